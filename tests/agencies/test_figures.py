"""Released figures from people, against results computed by hand (no database).

Replaces the tests of the live rollup engine (agency_figures, headline_trust, block_cells), which
is gone: every figure is now computed once per block by block_figures / window_figures.
"""

import datetime as dt
import math

import pytest

from agencies.figures import (
    BlockPeople,
    Person,
    block_figures,
    closed_through,
    comparison_json,
    month_closes_on,
    window_figures,
)

K = 4
JAN, FEB, MAR, APR = (dt.date(2026, m, 1) for m in (1, 2, 3, 4))
NAN = math.nan
Q = ["v1:voice_1"]


def person(month, category="traffic_stop", score=50.0, answer=3, satisfaction=3, **keys):
    base = {
        "category": category,
        "district": "1",
        "language": "en",
        "officer": "",
        "channel": "call",
        "age_band": "",
        "race_ethnicity": "",
        "gender": "",
    }
    base.update(keys)
    return Person(month, base, (score,) * 5, {Q[0]: answer}, satisfaction)


def released(month, people):
    figures = block_figures(people, k=K, questions=Q)
    return BlockPeople(month, month, people, figures)


def test_a_block_scores_by_hand_and_trust_is_the_mean_of_pillar_means():
    people = [person(JAN, score=s) for s in (0.0, 50.0, 100.0, 50.0)]
    fig = block_figures(people, k=K, questions=Q)
    assert fig["scored"] and fig["n"] == 4
    assert fig["measures"]["voice"]["value"] == pytest.approx(50.0)
    assert fig["measures"]["trust"]["value"] == pytest.approx(50.0)
    assert 0.0 <= fig["measures"]["trust"]["low"] <= 50.0 <= fig["measures"]["trust"]["high"]


def test_scores_are_withheld_when_a_measure_rests_on_fewer_than_k():
    people = [person(JAN) for _ in range(4)]
    people[0] = Person(JAN, people[0].keys, (50.0, 50.0, 50.0, NAN, 50.0), {}, 3)
    fig = block_figures(people, k=K, questions=Q)
    assert not fig["scored"] and "measures" not in fig
    assert fig["n"] == 4  # the block is released (counted), its scores are not


def test_distribution_adds_to_100_and_share_positive_by_hand():
    people = [person(JAN, answer=a, satisfaction=a) for a in (1, 4, 5, 0, 5, 2)]
    fig = block_figures(people, k=K, questions=Q)
    dist = fig["distributions"][Q[0]]
    assert dist["n"] == 6 and sum(dist["percent"].values()) == 100
    assert dist["counts"] == {"1": 1, "2": 1, "3": 0, "4": 1, "5": 2, "0": 1}
    assert fig["share_positive"]["value"] == pytest.approx(3 / 5)  # 0 = doesn't apply: left out


def test_a_lone_small_category_takes_its_neighbour_down_with_it():
    people = [person(JAN, "traffic_stop") for _ in range(5)]
    people += [person(JAN, "call_for_help") for _ in range(4)]
    people += [person(JAN, "other") for _ in range(2)]
    cells = block_figures(people, k=K, questions=Q)["breakdowns"]["category"]["cells"]
    assert set(cells) == {"traffic_stop"}  # call_for_help (4) hidden with other (2): rest 6


def test_a_window_is_whole_blocks_and_each_cell_names_its_blocks():
    jan = released(JAN, [person(JAN, "traffic_stop") for _ in range(5)])
    feb = released(
        FEB,
        [person(FEB, "traffic_stop") for _ in range(2)]
        + [person(FEB, "call_for_help") for _ in range(3)],
    )
    mar = released(MAR, [person(MAR, "call_for_help", 100.0) for _ in range(4)])
    win = window_figures([jan, feb, mar], k=K, first=FEB, last=APR, questions=Q)
    assert [b["first"] for b in win["blocks"]] == ["2026-02-01", "2026-03-01"]  # January: outside
    assert win["n"] == 9
    traffic = win["breakdowns"]["category"]["traffic_stop"]
    assert traffic["status"] == "too_few"  # 2 in February, and January is not in the window
    help_ = win["breakdowns"]["category"]["call_for_help"]
    assert help_["status"] == "shown" and [b["first"] for b in help_["blocks"]] == ["2026-03-01"]
    assert help_["n"] == 4  # February's 3 were never shown, so they are not in the window figure
    whole = window_figures([jan, feb, mar], k=K, first=JAN, last=APR, questions=Q)
    assert whole["breakdowns"]["category"]["traffic_stop"]["status"] == "shown"


def test_a_kind_with_enough_responses_spread_over_blocks_says_so():
    blocks = [
        released(m, [person(m, "welfare_check")] + [person(m, "traffic_stop") for _ in range(4)])
        for m in (JAN, FEB, MAR, APR)
    ]
    win = window_figures(blocks, k=K, first=JAN, last=APR, questions=Q)
    assert win["breakdowns"]["category"]["welfare_check"]["status"] == "not_in_any_block"


def test_months_close_when_their_codes_have_expired():
    assert closed_through(dt.date(2026, 5, 31), code_days=60) == MAR
    assert closed_through(dt.date(2026, 5, 30), code_days=60) == FEB
    assert month_closes_on(MAR, code_days=60) == dt.date(2026, 5, 31)


def test_comparison_excludes_nobody_it_is_given_and_needs_five_others():
    assert comparison_json(60.0, {1: 50.0, 2: 70.0})["status"] == "too_few"
    shown = comparison_json(60.0, dict(enumerate((40.0, 50.0, 60.0, 70.0, 80.0))))
    assert shown["status"] == "shown" and shown["others"] == 5
    assert shown["median"] == 60.0 and shown["percentile"] == 50.0  # tie counts half
    assert comparison_json(None, {})["status"] == "no_trust"
