"""Versioned cache keys per agency: bump the version and every cached page of that agency is stale.

Versions are keyed by the agency's slug, the only thing a request for an Agency Page knows before
it touches the database: the cached page and its version come back in one round trip, with no
query. Bumping is one atomic INCR on the shared cache, so every worker sees it at once.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from django.core.cache import cache

from .models import Agency


def version_key(slug: str) -> str:
    return f"agency-version:{slug}"


def new_version() -> int:
    """A version no earlier page was stored under (microseconds since the epoch).

    Used when the version key is missing (first request, or the cache lost it): restarting
    at 1 could revive pages stored under an old 1 before the key was lost.
    """
    return time.time_ns() // 1_000


# Every key an anonymous request can create expires (SECURITY.md 28). A version that expires is
# replaced by a fresh, larger one (new_version), so pages stored under the old one just go stale.
VERSION_SECONDS = 7 * 24 * 60 * 60


def _counter(key: str) -> int:
    """Read a version counter, starting it at a fresh value when missing (0: cache unavailable)."""
    try:
        value = cache.get(key)
        if value is None:
            cache.add(key, new_version(), timeout=VERSION_SECONDS)
            value = cache.get(key)
        return int(value or 0)
    except Exception:  # noqa: BLE001 - a cache outage must not break public pages
        return 0


def _bump(key: str) -> None:
    """Advance a version counter: everything cached under the old value is stale."""
    try:
        cache.incr(key)
    except ValueError:  # no counter yet: nothing was cached under one either
        pass
    except Exception:  # noqa: BLE001,S110 - cache down: pages render uncached anyway
        pass


def agency_cache_version(slug: str) -> int:
    """Return the agency's current cache version, setting a fresh one when none is stored.

    Call it only for an agency known to exist (the page view, after finding it): an unknown
    address is a 404 that stores nothing, so bogus slugs cannot grow the shared cache.
    """
    return _counter(version_key(slug))


def agency_data_changed(agency_id: int, *, slugs: Iterable[str] = ()) -> None:
    """Invalidate everything cached for this agency (new feedback, moderation, profile edit).

    `slugs` adds addresses the agency no longer has (a renamed or deleted agency), whose cached
    pages must stop being served as well.
    """
    current = Agency.objects.filter(pk=agency_id).values_list("slug", flat=True)
    for slug in {*slugs, *current}:
        _bump(version_key(slug))


FIGURES_GENERATION_KEY = "agency-figures-generation"


def figures_generation() -> int:
    """The generation of every agency's cached figures sections (0: cache unavailable)."""
    return _counter(FIGURES_GENERATION_KEY)


def figures_changed() -> None:
    """Closed months' rollups were rewritten (a rebuild): every cached figures section is stale."""
    _bump(FIGURES_GENERATION_KEY)
