"""Reads behind the public pages: rollups only, a fixed number of queries per page.

Each function here is one query (two for the national figures when not cached) whose size depends
on agencies x months x categories, never on the number of feedback rows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet, Sum

from feedback.models import AnswerRollup, ScoreRollup
from surveys.scoring import Estimate

from .figures import TRUST, AnswerRow, ScoreRow, headline_trust_values
from .models import Agency

NATIONAL_CACHE_SECONDS = 600
NATIONAL_MEMO_SECONDS = 60
_national_memo: dict[str, tuple[float, dict[int, float]]] = {}  # key -> (monotonic expiry, pool)


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


def score_rows(agency: Agency) -> list[ScoreRow]:
    return [
        ScoreRow(*values)
        for values in ScoreRollup.objects.filter(agency=agency).values_list(
            "month", "category", "measure", "responses", "n", "total", "total_sq"
        )
    ]


def answer_rows(agency: Agency) -> list[AnswerRow]:
    """Answer counts per month, question and value, summed over call categories in SQL.

    The page's answer distributions never break down by category, and summing first makes the
    rows (and the Python work over them) six times fewer.
    """
    summed = (
        AnswerRollup.objects.filter(agency=agency)
        .values("month", "question_id", "value")
        .annotate(c=Sum("count"))
        .values_list("month", "question_id", "value", "c")
    )
    return [AnswerRow(month, "", question, value, c) for month, question, value, c in summed]


def _trust_rollups(
    agencies: Iterable[int] | None, closed: dt.date, *, demo: bool = False
) -> QuerySet:
    """Trust rollups summed over categories per agency and month (r, n_, t, t2)."""
    rollups = ScoreRollup.objects.filter(measure=TRUST, month__lte=closed)
    if agencies is None and demo:
        # The demo's own pool: its fictional sample agencies, published or not. Real agencies are
        # never compared with them, and they never enter the national figures.
        rollups = rollups.filter(agency__is_demo=True)
    elif agencies is None:
        rollups = rollups.filter(agency__published=True, agency__is_demo=False)
    else:
        rollups = rollups.filter(agency_id__in=list(agencies))
    return rollups.values("agency_id", "month").annotate(
        r=Sum("responses"), n_=Sum("n"), t=Sum("total"), t2=Sum("total_sq")
    )


def _trust_by_agency(agencies: Iterable[int], closed: dt.date) -> dict[int, list[ScoreRow]]:
    rows: dict[int, list[ScoreRow]] = defaultdict(list)
    summed = _trust_rollups(agencies, closed).values_list(
        "agency_id", "month", "r", "n_", "t", "t2"
    )
    for agency_id, month, responses, n, total, total_sq in summed:
        rows[agency_id].append(ScoreRow(month, "", TRUST, responses, n, total, total_sq))
    return rows


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


def national_trust(closed: dt.date, *, demo: bool = False) -> dict[int, float]:
    """Headline trust index of every published non-demo agency with enough responses.

    With `demo`, the pool is the demo agencies instead (see `_trust_rollups`). Every uncached
    Agency Page needs this pool, so it is kept in two places: on the shared cache, and for a
    minute in the process, so that a page does not recompute it (a scan of every agency's trust
    rollups) when the shared cache is down or cold.
    """
    key = f"national-trust:{'demo' if demo else 'all'}:{closed:%Y-%m}:{k_min()}"
    now = time.monotonic()
    memo = _national_memo.get(key)
    if memo is not None and memo[0] > now:
        return memo[1]
    values = cache_get(key)
    if not isinstance(values, dict):
        rows = _trust_rollups(None, closed, demo=demo).values_list(
            "agency_id", "month", "r", "n_", "t"
        )
        values = headline_trust_values(rows, k=k_min(), closed=closed)
        cache_set(key, values, NATIONAL_CACHE_SECONDS)
    for stale in [k for k, (until, _) in _national_memo.items() if until <= now]:
        _national_memo.pop(stale, None)
    _national_memo[key] = (now + NATIONAL_MEMO_SECONDS, values)
    return values


def national_memo_clear() -> None:
    """Forget the process's copy of the national pools (tests; the shared cache is separate)."""
    _national_memo.clear()
