"""Agency Page figures from rollup rows, against results computed by hand (no database)."""

import datetime as dt

import pytest

from agencies.figures import (
    AnswerRow,
    ScoreRow,
    agency_figures,
    closed_through,
    compare,
    headline_trust,
    headline_trust_values,
)
from surveys.disclosure import Block, add_months

K = 4
JAN, FEB, MAR, APR, JUN = (dt.date(2026, m, 1) for m in (1, 2, 3, 4, 6))


def trust(month, category, scores):
    return ScoreRow(
        month, category, "trust", len(scores), len(scores), sum(scores), sum(s * s for s in scores)
    )


ROWS = [
    trust(JAN, "traffic_stop", [50, 100]),
    trust(FEB, "traffic_stop", [50, 50]),
    trust(MAR, "call_for_help", [75] * 5),
    trust(APR, "traffic_stop", [0]),  # pending tail: in no figure
]
ANSWERS = [
    AnswerRow(JAN, "traffic_stop", 1, 5, 2),
    AnswerRow(FEB, "traffic_stop", 1, 3, 2),
    AnswerRow(MAR, "call_for_help", 1, 4, 3),
    AnswerRow(MAR, "call_for_help", 1, 0, 1),
    AnswerRow(JAN, "traffic_stop", 2, 4, 4),
    AnswerRow(MAR, "call_for_help", 2, 1, 3),  # 3 < k in its block: left out of the item
    AnswerRow(APR, "traffic_stop", 1, 1, 1),
]


def figures(rows=ROWS, answers=ANSWERS):
    return agency_figures(rows, answers, k=K, closed=JUN, satisfaction_question_id=1)


def test_the_window_is_made_of_whole_released_blocks():
    f = figures()
    assert f.window_blocks == [Block(JAN, FEB, 4), Block(MAR, MAR, 5)]
    assert (f.responses, f.first_month, f.last_month) == (9, JAN, MAR)


def test_trust_index_by_hand():
    # Scores 50, 100, 50, 50, 75 x5: n 9, sum 625, sum of squares 45625, mean 69.444,
    # s^2 = (45625 - 625^2 / 9) / 8 = 277.78, se = 5.5556, t(0.975, 8) = 2.3060,
    # half width 12.811 -> [56.633, 82.256]. The April response is in no figure.
    t = figures().trust
    assert t.n == 9
    assert t.value == pytest.approx(69.444, abs=1e-3)
    assert t.low == pytest.approx(56.633, abs=1e-3)
    assert t.high == pytest.approx(82.256, abs=1e-3)


def test_category_breakdown_by_hand():
    cats = figures().categories
    assert cats["traffic_stop"].n == 4
    assert cats["traffic_stop"].value == pytest.approx(62.5)
    assert cats["call_for_help"].value == pytest.approx(75.0)


def test_a_lone_small_category_takes_its_neighbour_down_with_it():
    rows = [trust(JAN, "traffic_stop", [50] * 5), trust(JAN, "call_for_help", [100] * 2)]
    f = figures(rows, [])
    assert f.trust.n == 7  # the block is shown ...
    assert f.categories == {"call_for_help": None, "traffic_stop": None}  # ... its split is not


def test_distribution_and_share_positive_by_hand():
    f = figures()
    item = f.distributions[1]
    # 5 x2, 3 x2, 4 x3, doesn't apply x1 over 8 answers.
    assert item.n == 8
    assert item.shares == {1: 0.0, 2: 0.0, 3: 0.25, 4: 0.375, 5: 0.25, 0: 0.125}
    # Share positive: March has only 3 people who answered 1..5 (< k), so it rests on the
    # 4 of January-February: the two 5s of 4.
    assert f.share_positive.value == pytest.approx(2 / 4)
    assert f.share_positive.n == 4
    # Item 2: January's 4 answers are shown, March's 3 are not.
    assert f.distributions[2].n == 4


def test_trend_has_one_point_per_released_block():
    f = figures()
    assert [(p.block.start, p.trust.n) for p in f.trend] == [(JAN, 4), (MAR, 5)]


def test_three_responses_give_no_figure_at_all():
    rows = [trust(JAN, "traffic_stop", [100, 75, 50])]
    answers = [AnswerRow(JAN, "traffic_stop", 1, 5, 3)]
    f = figures(rows, answers)
    assert f.window_blocks == [] and f.responses == 0
    assert all(v is None for v in f.measures.values())
    assert all(v is None for v in f.categories.values())
    assert f.distributions == {1: None}
    assert f.share_positive is None and f.trend == []


def test_headline_trust_matches_the_page():
    assert headline_trust(ROWS, k=K, closed=JUN) == figures().trust


def test_months_close_when_their_codes_have_expired():
    # A call on 31 March may be answered until its code expires 60 days later (30 May).
    assert closed_through(dt.date(2026, 5, 30), code_days=60) == dt.date(2026, 2, 1)
    assert closed_through(dt.date(2026, 6, 1), code_days=60) == dt.date(2026, 3, 1)


def test_comparison_with_the_median_of_published_agencies():
    national = {1: 40.0, 2: 60.0, 3: 70.0, 4: 80.0}
    c = compare(70.0, national)
    assert (c.median, c.percentile, c.agencies) == (65.0, 62.5, 4)
    assert compare(None, national).percentile is None
    assert compare(50.0, {}) is None


def test_block_cells_release_blocks_and_big_enough_categories():
    from agencies.figures import block_cells

    rows = [*ROWS, trust(MAR, "traffic_stop", [25] * 4)]
    cells = block_cells(rows, k=K, closed=JUN)
    got = [(c.block.start, c.category, c.estimate.n, c.estimate.value) for c in cells]
    assert got == [
        (JAN, "", 4, 62.5),
        (JAN, "traffic_stop", 4, 62.5),
        (MAR, "", 9, (375 + 100) / 9),
        (MAR, "call_for_help", 5, 75.0),
        (MAR, "traffic_stop", 4, 25.0),
    ]


def test_share_positive_needs_k_people_who_answered_one_to_five_in_each_block():
    # The block holds 4 satisfaction answers, but one is "doesn't apply": the distribution
    # (over 4) may be shown, the share positive (over 3) may not.
    rows = [trust(JAN, "traffic_stop", [50] * 4)]
    answers = [AnswerRow(JAN, "traffic_stop", 1, 5, 3), AnswerRow(JAN, "traffic_stop", 1, 0, 1)]
    f = figures(rows, answers)
    assert f.distributions[1].n == 4
    assert f.share_positive is None


def test_national_pool_point_estimates_equal_the_full_headline_figures() -> None:
    """The one-pass pool gives every agency's headline trust value exactly as agency_figures does:
    blocks straddling the window's start, blocks with fewer than k scored, pending tails."""
    closed = dt.date(2026, 12, 1)
    months = [add_months(closed, -i) for i in range(30, -3, -1)]  # up to 2 months not yet closed
    rows, expected = [], {}
    for agency in range(1, 41):
        per_month = []
        for i, month in enumerate(months):
            responses = (agency * 7 + i * 3) % 5  # 0-4 a month: blocks of one to several months
            if agency % 4 == 0:  # a small agency: too few responses in the window
                responses = int(i % 9 == 0)
            scored = max(0, responses - (agency + i) % 3)  # some responses have no trust score
            if agency % 5 == 0:  # "doesn't apply" everywhere: responses, but no score
                scored = 0
            total = float(scored * ((agency * 13 + i * 11) % 101))
            per_month.append(ScoreRow(month, "", "trust", responses, scored, total, total * total))
        rows += [(agency, r.month, r.responses, r.n, r.total) for r in per_month]
        estimate = headline_trust(per_month, k=K, closed=closed)
        if estimate is not None:
            expected[agency] = estimate.value
    pool = headline_trust_values(rows, k=K, closed=closed)
    assert pool.keys() == expected.keys() and 10 < len(pool) < 40
    for agency, value in expected.items():
        assert pool[agency] == pytest.approx(value, rel=1e-12)
