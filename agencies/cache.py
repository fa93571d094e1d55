"""Versioned cache keys per agency: bump the version and every cached page of that agency is stale.

Bumping is one atomic INCR on the shared cache, so every worker sees it at once.
"""

from __future__ import annotations

from django.core.cache import cache


def _key(agency_id: int) -> str:
    return f"agency-version:{agency_id}"


def agency_cache_version(agency_id: int) -> int:
    """Return the agency's current cache version (1 when none was set)."""
    try:
        return int(cache.get_or_set(_key(agency_id), 1, timeout=None))
    except Exception:  # noqa: BLE001 - a cache outage must not break public pages
        return 0


def agency_data_changed(agency_id: int) -> None:
    """Invalidate everything cached for this agency (new feedback, moderation, profile edit)."""
    try:
        cache.incr(_key(agency_id))
    except ValueError:
        cache.set(_key(agency_id), 2, timeout=None)
    except Exception:  # noqa: BLE001,S110 - cache down: pages render uncached anyway
        pass
