"""The differencing attack against the real page figures, not a model of them.

Every published total is linear in the person-level scores, so running the page computation once
per response with only that response scoring 100 reveals exactly which responses each published
figure contains. The attacker then holds every figure of every monthly release (headline, pillars,
categories, trend points for 12 and 24 months, open-data period aggregates) and tries to isolate a
small group by adding and subtracting them. It must fail.
"""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from agencies.figures import ScoreRow, agency_figures, block_cells
from surveys.disclosure import add_months
from tests.surveys.test_disclosure import _in_span, _indicator

K = 4
START = dt.date(2025, 1, 1)
CATEGORIES = ("traffic_stop", "call_for_help", "other")


def _rows(responses, scores):
    cells = {}
    for (month, category), score in zip(responses, scores, strict=True):
        n, total, total_sq = cells.get((month, category), (0, 0.0, 0.0))
        cells[(month, category)] = (n + 1, total + score, total_sq + score * score)
    return [
        ScoreRow(month, category, "trust", n, n, total, total_sq)
        for (month, category), (n, total, total_sq) in cells.items()
    ]


def _published(rows, closed):
    """Every published trust figure of one release, as name -> total of the scores it covers."""
    out = {}
    for months in (12, 24):
        f = agency_figures(
            rows, [], k=K, closed=closed, satisfaction_question_id=None, trend_months=months
        )
        if f.trust:
            out[("headline", closed)] = f.trust.value * f.trust.n
        for category, est in f.categories.items():
            if est:
                out[("category", closed, category)] = est.value * est.n
        for point in f.trend:
            out[("trend", point.block)] = point.trust.value * point.trust.n
    for cell in block_cells(rows, k=K, closed=closed):
        if cell.measure == "trust":
            out[("aggregate", cell.block, cell.category)] = cell.estimate.value * cell.estimate.n
    return out


responses_strategy = st.lists(
    st.tuples(st.integers(0, 17).map(lambda i: add_months(START, i)), st.sampled_from(CATEGORIES)),
    min_size=1,
    max_size=28,
)


@settings(max_examples=60, deadline=None)
@given(responses=responses_strategy, first_release=st.integers(0, 17))
def test_no_small_group_can_be_isolated_from_every_release_of_the_real_figures(
    responses, first_release
):
    releases = [add_months(START, m) for m in range(first_release, 18, 3)] + [add_months(START, 17)]
    size = len(responses)
    membership: dict[tuple, set[int]] = {}
    for i in range(size):
        scores = [100.0 if j == i else 0.0 for j in range(size)]
        rows = _rows(responses, scores)
        for closed in releases:
            for name, total in _published(rows, closed).items():
                members = membership.setdefault(name, set())
                if total > 1e-6:
                    members.add(i)
    vectors = [_indicator(m, size) for m in membership.values() if m]
    published = set().union(*membership.values()) if membership else set()
    for i in range(size):
        assert not _in_span(vectors, _indicator([i], size)), responses[i]
    for group_size in range(2, K):
        # Every run of `group_size` consecutive published responses in one month and category.
        for i in range(size - group_size + 1):
            group = [j for j in range(size) if responses[j] == responses[i]][:group_size]
            if len(group) == group_size and set(group) <= published:
                assert not _in_span(vectors, _indicator(group, size)), group
