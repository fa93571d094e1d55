"""The statistics of released figures, checked against scipy and by hand."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from surveys.scoring import (
    group_change,
    group_estimates,
    largest_remainder,
    person_row,
    person_scores,
    wilson_interval,
)

NAN = math.nan


def _people(rng: random.Random, n: int, skip: float = 0.0) -> list[tuple[float, ...]]:
    rows = []
    for _ in range(n):
        base = rng.choice([1, 2, 3, 4, 5])
        values = {
            p: [
                None if rng.random() < skip else min(5, max(1, base + rng.choice([-1, 0, 0, 1])))
                for _ in range(2)
            ]  # fmt: skip
            for p in ("voice", "respect", "neutrality", "motives", "outcome")
        }
        rows.append(person_row(person_scores(values)))
    return rows


def test_trust_is_the_mean_of_the_four_pillar_means_by_hand():
    rows = [
        (100.0, 50.0, 50.0, NAN, 75.0),  # skipped motives
        (0.0, 50.0, 100.0, 50.0, 25.0),
        (50.0, 50.0, 50.0, 100.0, 50.0),
    ]
    est = group_estimates(rows, resamples=200)
    assert est["voice"].value == pytest.approx(50.0)
    assert est["motives"].value == pytest.approx(75.0)  # the two who answered
    assert est["motives"].n == 2
    assert est["trust"].value == pytest.approx((50 + 50 + 200 / 3 + 75) / 4)
    assert est["trust"].n == 3


def test_trust_adds_nothing_to_the_pillars_beside_it():
    """Issue 11 (2): with the old per-person trust, 12·(trust − mean of pillars) recovered one
    person who skipped both motives items. Now trust is a function of the shown pillar means."""
    rng = random.Random(7)
    rows = _people(rng, 12)
    rows[0] = (*rows[0][:3], NAN, rows[0][4])
    est = group_estimates(rows, resamples=50)
    pillars = [est[p].value for p in ("voice", "respect", "neutrality", "motives")]
    assert est["trust"].value == pytest.approx(sum(pillars) / 4)
    # The old definition differs from the pillars by exactly that one person's contribution.
    old = np.nanmean([np.nanmean(r[:4]) for r in rows])
    assert old != pytest.approx(sum(pillars) / 4)


def test_the_bootstrap_interval_matches_scipys_percentile_bootstrap():
    rng = random.Random(3)
    rows = _people(rng, 40)
    voice = np.array([r[0] for r in rows])
    ours = group_estimates(rows)["voice"]
    theirs = stats.bootstrap(
        (voice,), np.mean, n_resamples=20000, method="percentile", random_state=1
    ).confidence_interval
    assert ours.value == pytest.approx(voice.mean())
    assert ours.low == pytest.approx(theirs.low, abs=1.0)
    assert ours.high == pytest.approx(theirs.high, abs=1.0)
    assert 0.0 <= ours.low <= ours.value <= ours.high <= 100.0


def test_the_bootstrap_is_deterministic_and_order_free():
    rows = _people(random.Random(5), 30, skip=0.1)
    shuffled = list(rows)
    random.Random(1).shuffle(shuffled)
    assert group_estimates(rows) == group_estimates(shuffled)


def test_change_interval_matches_scipys_two_sample_bootstrap():
    rng = random.Random(11)
    later = _people(rng, 35)
    earlier = [(max(0.0, r[0] - 25), *r[1:]) for r in _people(rng, 30)]
    change = group_change(later, earlier, measure="voice")
    a = np.array([r[0] for r in later])
    b = np.array([r[0] for r in earlier])
    theirs = stats.bootstrap(
        (a, b),
        lambda x, y: np.mean(x) - np.mean(y),
        n_resamples=20000,
        method="percentile",
        random_state=2,
    ).confidence_interval
    assert change.difference == pytest.approx(a.mean() - b.mean())
    assert change.low == pytest.approx(theirs.low, abs=1.5)
    assert change.high == pytest.approx(theirs.high, abs=1.5)
    assert change.detectable == (not (change.low <= 0 <= change.high))


def test_no_detectable_change_between_two_samples_of_the_same_people():
    rows = _people(random.Random(2), 40)
    change = group_change(rows, rows)
    assert change.difference == 0.0 and not change.detectable


@pytest.mark.parametrize(("successes", "n"), [(0, 10), (3, 10), (17, 40), (40, 40), (1, 366)])
def test_wilson_matches_scipy(successes, n):
    low, high = wilson_interval(successes, n)
    ci = stats.binomtest(successes, n).proportion_ci(confidence_level=0.95, method="wilson")
    assert low == pytest.approx(ci.low, abs=1e-9)
    assert high == pytest.approx(ci.high, abs=1e-9)


def test_largest_remainder_by_hand():
    # 1/3 each: 33.33 → 33, 33, 34 (the tie goes to the smaller key after equal counts)
    assert largest_remainder({1: 1, 2: 1, 3: 1}) == {1: 34, 2: 33, 3: 33}
    # Six answers whose plain rounding adds to 101 % (17 + 17 + 17 + 50)
    counts = {1: 1, 2: 1, 3: 1, 4: 3}
    plain = sum(round(100 * c / 6) for c in counts.values())
    assert plain == 101
    assert largest_remainder(counts) == {1: 17, 2: 17, 3: 16, 4: 50}


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.integers(0, 5), st.integers(0, 500), min_size=1))
def test_largest_remainder_always_adds_to_100_and_stays_within_one(counts):
    out = largest_remainder(counts)
    n = sum(counts.values())
    if n == 0:
        return
    assert sum(out.values()) == 100
    for key, c in counts.items():
        assert abs(out[key] - 100 * c / n) < 1
