"""Reads behind the public pages: rollups only, a fixed number of queries per page.

Each function here is one query (two for the national figures when not cached) whose size depends
on agencies x months x categories, never on the number of feedback rows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum

from feedback.models import AnswerRollup, ScoreRollup
from surveys.scoring import Estimate

from .figures import TRUST, AnswerRow, ScoreRow, headline_trust
from .models import Agency

NATIONAL_CACHE_SECONDS = 600


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
    return [
        AnswerRow(*values)
        for values in AnswerRollup.objects.filter(agency=agency).values_list(
            "month", "category", "question_id", "value", "count"
        )
    ]


def _trust_by_agency(
    agencies: Iterable[int] | None, closed: dt.date, *, demo: bool = False
) -> dict[int, list[ScoreRow]]:
    rollups = ScoreRollup.objects.filter(measure=TRUST, month__lte=closed)
    if agencies is None and demo:
        # The demo's own pool: its fictional sample agencies, published or not. Real agencies are
        # never compared with them, and they never enter the national figures.
        rollups = rollups.filter(agency__is_demo=True)
    elif agencies is None:
        rollups = rollups.filter(agency__published=True, agency__is_demo=False)
    else:
        rollups = rollups.filter(agency_id__in=list(agencies))
    rows: dict[int, list[ScoreRow]] = defaultdict(list)
    summed = (
        rollups.values("agency_id", "month")
        .annotate(r=Sum("responses"), n_=Sum("n"), t=Sum("total"), t2=Sum("total_sq"))
        .values_list("agency_id", "month", "r", "n_", "t", "t2")
    )
    for agency_id, month, responses, n, total, total_sq in summed:
        rows[agency_id].append(ScoreRow(month, "", TRUST, responses, n, total, total_sq))
    return rows


def trust_for(agency_ids: Iterable[int], closed: dt.date) -> dict[int, Estimate | None]:
    """Headline trust estimate (or None) of each listed agency: one query."""
    agency_ids = list(agency_ids)
    rows = _trust_by_agency(agency_ids, closed)
    return {a: headline_trust(rows.get(a, []), k=k_min(), closed=closed) for a in agency_ids}


def national_trust(closed: dt.date, *, demo: bool = False) -> dict[int, float]:
    """Headline trust index of every published non-demo agency with enough responses.

    With `demo`, the pool is the demo agencies instead (see `_trust_by_agency`).
    """
    key = f"national-trust:{'demo' if demo else 'all'}:{closed:%Y-%m}:{k_min()}"
    cached = cache_get(key)
    if isinstance(cached, dict):
        return cached
    values = {}
    for agency_id, rows in _trust_by_agency(None, closed, demo=demo).items():
        estimate = headline_trust(rows, k=k_min(), closed=closed)
        if estimate is not None:
            values[agency_id] = estimate.value
    cache_set(key, values, NATIONAL_CACHE_SECONDS)
    return values
