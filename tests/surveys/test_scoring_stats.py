"""Intervals, shares and comparisons against values computed by hand or read from printed tables."""

import math

import pytest

from surveys.scoring import (
    Accumulator,
    distribution,
    mean_estimate,
    median,
    merge,
    percentile_rank,
    share_positive,
    t_cdf,
    t_quantile,
    wilson_interval,
)

# Two-sided 95 % critical values (p = 0.975) from a printed Student's t table, 3 decimals.
T_TABLE_975 = {
    1: 12.706,
    2: 4.303,
    3: 3.182,
    4: 2.776,
    5: 2.571,
    9: 2.262,
    10: 2.228,
    20: 2.086,
    29: 2.045,
    30: 2.042,
    60: 2.000,
    120: 1.980,
}


@pytest.mark.parametrize(("df", "expected"), sorted(T_TABLE_975.items()))
def test_t_quantile_matches_printed_table(df, expected):
    assert t_quantile(0.975, df) == pytest.approx(expected, abs=5e-4)


@pytest.mark.parametrize(
    ("p", "df", "expected"),
    [(0.95, 10, 1.812), (0.995, 5, 4.032), (0.90, 1, 3.078), (0.999, 20, 3.552)],
)
def test_t_quantile_other_levels_match_table(p, df, expected):
    assert t_quantile(p, df) == pytest.approx(expected, abs=5e-4)


def test_t_quantile_is_symmetric_and_tends_to_normal():
    assert t_quantile(0.025, 7) == pytest.approx(-t_quantile(0.975, 7))
    assert t_quantile(0.5, 3) == 0.0
    assert t_quantile(0.975, 100_000) == pytest.approx(1.95996, abs=1e-4)


def test_t_cdf_with_one_degree_of_freedom_is_cauchy():
    # For df = 1 the t distribution is Cauchy: F(t) = 1/2 + atan(t)/pi.
    for t in (-3.0, -0.5, 0.0, 1.0, 4.0):
        assert t_cdf(t, 1) == pytest.approx(0.5 + math.atan(t) / math.pi, abs=1e-12)


def test_t_quantile_rejects_bad_arguments():
    with pytest.raises(ValueError):
        t_quantile(1.0, 5)
    with pytest.raises(ValueError):
        t_quantile(0.9, 0)


def test_accumulator_merges_like_concatenation():
    left = Accumulator.of([0.0, 25.0, 100.0])
    right = Accumulator.of([50.0, 75.0])
    assert left + right == Accumulator(5, 250.0, 0 + 625 + 10000 + 2500 + 5625)
    assert merge([left, right]) == left + right
    assert (left + right) - right == left


def test_mean_estimate_by_hand():
    # Scores 50, 75, 75, 50, 75, 50: mean 62.5, every deviation 12.5,
    # s^2 = 6 * 156.25 / 5 = 187.5, se = sqrt(187.5 / 6) = 5.5902, t(0.975, 5) = 2.5706,
    # half width 14.370 -> [48.130, 76.870].
    est = mean_estimate(Accumulator.of([50, 75, 75, 50, 75, 50]))
    assert est.n == 6
    assert est.value == pytest.approx(62.5)
    assert est.low == pytest.approx(48.130, abs=1e-3)
    assert est.high == pytest.approx(76.870, abs=1e-3)


def test_mean_estimate_is_clipped_to_the_scale():
    # 0, 50, 100: mean 50, s = 50, se = 28.87, t(2) = 4.303 -> half width 124 -> [0, 100].
    est = mean_estimate(Accumulator.of([0, 50, 100]))
    assert (est.low, est.high) == (0.0, 100.0)


def test_mean_estimate_of_identical_scores_has_zero_width():
    est = mean_estimate(Accumulator.of([75.0] * 12))
    assert est.value == est.low == est.high == pytest.approx(75.0)


def test_mean_estimate_without_enough_people():
    assert mean_estimate(Accumulator()) is None
    single = mean_estimate(Accumulator.of([40.0]))
    assert (single.value, single.low, single.high) == (40.0, None, None)


def test_wilson_interval_by_hand():
    # 8 of 10: p = .8, z^2 = 3.8415, centre = (0.8 + 0.19207) / 1.38415 = 0.71675,
    # half = 1.96 * sqrt(0.016 + 0.0096036) / 1.38415 = 0.22658 -> [0.4902, 0.9433].
    low, high = wilson_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4)
    assert high == pytest.approx(0.9433, abs=1e-4)


def test_wilson_interval_at_the_edges_stays_inside_zero_one():
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson_interval(10, 10)
    assert low == pytest.approx(0.7225, abs=1e-4)
    assert high == 1.0


def test_share_positive_ignores_does_not_apply():
    # 4s and 5s: 3 + 4 = 7 of the 10 who answered 1..5; the 5 "doesn't apply" are not counted.
    est = share_positive({0: 5, 1: 1, 2: 1, 3: 1, 4: 3, 5: 4})
    assert est.n == 10
    assert est.value == pytest.approx(0.7)
    assert (est.low, est.high) == pytest.approx(wilson_interval(7, 10))
    assert share_positive({0: 4}) is None


def test_distribution_shares_sum_to_one():
    shares = distribution({1: 1, 2: 1, 4: 4, 5: 2, 0: 2})
    assert shares == {1: 0.1, 2: 0.1, 3: 0.0, 4: 0.4, 5: 0.2, 0: 0.2}
    assert distribution({}) == {}


def test_median_odd_even_empty():
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5
    assert median([]) is None


def test_percentile_rank_counts_ties_as_half():
    population = [40.0, 50.0, 50.0, 60.0, 70.0]
    assert percentile_rank(50.0, population) == pytest.approx(100 * (1 + 1) / 5)
    assert percentile_rank(80.0, population) == 100.0
    assert percentile_rank(10.0, population) == 0.0
    assert percentile_rank(50.0, []) is None
