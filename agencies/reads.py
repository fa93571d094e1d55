"""Reads behind the public pages: the stored releases, the shared-cache helpers.

Every figure comes from a stored release (feedback/releases.py); these helpers read it in a
fixed number of queries, whatever the number of responses.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache

from surveys.scoring import Estimate


def cache_get(key: str) -> object | None:
    """Read the shared cache; an outage is a miss, so public pages still render (SECURITY 12)."""
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001 - any cache backend error means "not cached"
        return None


def cache_set(key: str, value: object, timeout: int | None) -> None:
    with contextlib.suppress(Exception):  # cache down: the next request recomputes
        cache.set(key, value, timeout)


def k_min() -> int:
    return settings.MIN_PUBLIC_RESPONSES


def trust_for(agency_ids: Iterable[int], closed: dt.date) -> dict[int, Estimate | None]:
    """Headline trust estimate (or None) of each listed agency, from its latest stored release
    (the same figure as its Agency Page): one query. `closed` is kept for callers; the release
    says which months it covers."""
    from feedback.models import AgencyRelease

    from .figures import estimate_of

    agency_ids = list(agency_ids)
    out: dict[int, Estimate | None] = dict.fromkeys(agency_ids)
    latest = (
        AgencyRelease.objects.filter(agency_id__in=agency_ids)
        .order_by("agency_id", "-closed_through")
        .values_list("agency_id", "figures")
    )
    seen: set[int] = set()
    for agency_id, figures in latest:
        if agency_id in seen:
            continue
        seen.add(agency_id)
        out[agency_id] = estimate_of(figures.get("headline", {}).get("measures", {}).get("trust"))
    return out


def national_memo_clear() -> None:
    """Nothing is kept in the process any more (the comparison is stored with each release);
    kept so that test set-up written for the old national pool still runs."""
