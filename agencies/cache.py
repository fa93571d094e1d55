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


def agency_cache_version(slug: str) -> int:
    """Return the agency's current cache version, setting a fresh one when none is stored."""
    try:
        version = cache.get(version_key(slug))
        if version is None:
            cache.add(version_key(slug), new_version(), timeout=None)
            version = cache.get(version_key(slug))
        return int(version or 0)
    except Exception:  # noqa: BLE001 - a cache outage must not break public pages
        return 0


def agency_data_changed(agency_id: int, *, slugs: Iterable[str] = ()) -> None:
    """Invalidate everything cached for this agency (new feedback, moderation, profile edit).

    `slugs` adds addresses the agency no longer has (a renamed or deleted agency), whose cached
    pages must stop being served as well.
    """
    current = Agency.objects.filter(pk=agency_id).values_list("slug", flat=True)
    for slug in {*slugs, *current}:
        try:
            cache.incr(version_key(slug))
        except ValueError:  # no version yet: nothing was cached under one either
            pass
        except Exception:  # noqa: BLE001,S110 - cache down: pages render uncached anyway
            pass


FIGURES_GENERATION_KEY = "agency-figures-generation"


def figures_generation() -> int:
    """The generation of every agency's cached figures sections (0: cache unavailable)."""
    try:
        generation = cache.get(FIGURES_GENERATION_KEY)
        if generation is None:
            cache.add(FIGURES_GENERATION_KEY, new_version(), timeout=None)
            generation = cache.get(FIGURES_GENERATION_KEY)
        return int(generation or 0)
    except Exception:  # noqa: BLE001 - a cache outage must not break public pages
        return 0


def figures_changed() -> None:
    """Closed months' rollups were rewritten (a rebuild): every cached figures section is stale."""
    try:
        cache.incr(FIGURES_GENERATION_KEY)
    except ValueError:  # no generation yet: nothing was cached under one either
        pass
    except Exception:  # noqa: BLE001,S110 - cache down: nothing is cached then either
        pass
