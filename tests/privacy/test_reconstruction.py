"""Reconstruction: subset sums (as an integer program) over everything public for a block.

Weakened: the old open data (per-response rows with coarse periods next to exact per-block means
by kind of contact). Real: the open data is the page's figures; no file carries one person's answers.
"""

import datetime as dt

import pytest

from feedback.releases import current_closed_month, releases_run
from surveys.disclosure import add_months

from .attacks import rows_to_blocks
from .conftest import K, generated_agency
from .public import harvest
from .weakened import People

pytestmark = pytest.mark.django_db


def last_closed_quarter() -> list[dt.date]:
    """The three months of the newest calendar quarter that is closed (inside the page's year)."""
    month = current_closed_month()
    while month.month % 3:
        month = add_months(month, -1)
    return [add_months(month, -2), add_months(month, -1), month]


def small_agency():
    """Thirty English-speaking traffic stops pinned to their months, ten Spanish-speaking ones
    whose rows only say "first quarter": exactly what the issue's search exploited."""
    plan = []
    for month, es in zip(last_closed_quarter(), (4, 3, 3), strict=True):
        plan += [(month, "traffic_stop", "en", 10), (month, "traffic_stop", "es", es)]
    return generated_agency(plan, slug="small-town")


def truth(agency, group) -> list[tuple]:
    """The answer vectors of the people in a recovered group, from the database."""
    people = People(agency)
    start, end = (dt.date.fromisoformat(f"{m}-01") for m in group.block)
    return sorted(
        tuple((f"q_{c}", v or None) for c, v in zip(people.codes, p["vector"], strict=True))
        for p in people.people
        if start <= p["month"] <= end
        and p["category"] == group.category
        and p["language"] == group.language
        and (p["district"] == group.district)
    )


def check(agency, recovered) -> int:
    """Every recovered group is real and under k; return how many vectors were recovered."""
    for group in recovered:
        assert 0 < group.size < K
        assert sorted(tuple(sorted(v)) for v in group.vectors) == truth(agency, group)
    return sum(g.size for g in recovered)


def test_rows_next_to_aggregates_give_away_a_small_agencys_spanish_speakers(client, weakened_site):
    agency = small_agency()
    recovered = rows_to_blocks(harvest(client, agency.slug), k=K)
    assert check(agency, recovered) == 10  # all ten, in groups of 4, 3 and 3
    assert sorted(g.size for g in recovered) == [3, 3, 4]


def test_the_real_open_data_gives_the_same_search_nothing(client):
    agency = small_agency()
    releases_run()
    public = harvest(client, agency.slug)
    assert public.table("/scores.csv") and not public.rows_with_answers()
    assert rows_to_blocks(public, k=K) == []


def test_trustville_real_open_data_gives_the_search_nothing(client, trustville):
    # (On the weakened site the same search over Trustville's old rows pins no group either: in
    # 2026-Q3, for example, 71 of 101 rows are published by quarter and the other 30 are withheld
    # or wait for their year, and those unknown rows absorb every block's sums. The generated
    # agency above is the case the issue found.)
    releases_run()
    public = harvest(client, "trustville")
    assert public.table("/scores.csv") and not public.rows_with_answers()
    assert rows_to_blocks(public, k=K) == []
