"""Scores of the instrument (SURVEY.md), as pure functions: no ORM, no Django settings.

Person-level scores are summarised by mergeable accumulators (n, sum, sum of squares), which is
what the ScoreRollup table stores; every public figure is computed here from those accumulators or
from answer counts (intervals, Wilson shares, distributions, comparisons among agencies).

Item score: answer 1…5 → 0, 25, 50, 75, 100; "doesn't apply" (None) is excluded, not zero.
A person's pillar score is the mean of their item scores in that pillar; their trust score is the
mean of their four procedural-justice pillar scores (those they answered); that person-level trust
score is what the rollups store. The *released* trust index of a group is different: the mean of the
group's four pillar means (`group_estimates`), so that it covers the same people as the pillars.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist, fmean

import numpy as np

PJ_PILLARS: tuple[str, ...] = ("voice", "respect", "neutrality", "motives")
OUTCOME = "outcome"
TRUST = "trust"
MEASURES: tuple[str, ...] = (*PJ_PILLARS, OUTCOME, TRUST)


def item_score(value: int) -> float:
    """Map an answer 1…5 to 0…100."""
    if value not in (1, 2, 3, 4, 5):
        raise ValueError(f"answer must be 1..5, got {value!r}")
    return (value - 1) * 25.0


def person_scores(values_by_pillar: Mapping[str, Iterable[int | None]]) -> dict[str, float | None]:
    """Return one person's score per measure (pillars, outcome, trust); None where nothing applies."""
    scores: dict[str, float | None] = {}
    for pillar in (*PJ_PILLARS, OUTCOME):
        answered = [item_score(v) for v in values_by_pillar.get(pillar, ()) if v is not None]
        scores[pillar] = fmean(answered) if answered else None
    pillar_scores = [scores[p] for p in PJ_PILLARS if scores[p] is not None]
    scores[TRUST] = fmean(pillar_scores) if pillar_scores else None
    return scores


# Answer values: 1..5 on the agreement scale, 0 = "doesn't apply" (excluded from scores).
DOES_NOT_APPLY = 0
SCALE = (1, 2, 3, 4, 5)
POSITIVE = (4, 5)
CONFIDENCE = 0.95


# --- Accumulators ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Accumulator:
    """Count, sum and sum of squares of person-level scores; merge with `+`."""

    n: int = 0
    total: float = 0.0
    total_sq: float = 0.0

    @classmethod
    def of(cls, values: Iterable[float]) -> Accumulator:
        acc = cls()
        for v in values:
            acc = acc.add(v)
        return acc

    def add(self, value: float) -> Accumulator:
        return Accumulator(self.n + 1, self.total + value, self.total_sq + value * value)

    def __add__(self, other: Accumulator) -> Accumulator:
        return Accumulator(
            self.n + other.n, self.total + other.total, self.total_sq + other.total_sq
        )

    def __sub__(self, other: Accumulator) -> Accumulator:
        return Accumulator(
            self.n - other.n, self.total - other.total, self.total_sq - other.total_sq
        )

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    @property
    def variance(self) -> float | None:
        """Sample variance (n - 1 denominator); None below two observations."""
        if self.n < 2:
            return None
        ss = self.total_sq - self.total * self.total / self.n
        return max(ss, 0.0) / (self.n - 1)  # rounding can make a zero spread slightly negative


def merge(accumulators: Iterable[Accumulator]) -> Accumulator:
    return sum(accumulators, Accumulator())


# --- Student's t quantile (no scipy) ---------------------------------------------------------


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction for the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def regularized_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b), the regularized incomplete beta function."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with df degrees of freedom."""
    tail = 0.5 * regularized_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t >= 0 else tail


@functools.lru_cache(maxsize=4096)
def t_quantile(p: float, df: float) -> float:
    """Inverse of t_cdf: the t value with P(T <= t) = p (bisection on the exact CDF).

    Memoised: a page asks for the same few (p, df) pairs thousands of times (the national
    comparison computes an estimate per agency), and the bisection costs ~1 ms.
    """
    if not 0.0 < p < 1.0:
        raise ValueError("p must be strictly between 0 and 1")
    if df <= 0:
        raise ValueError("df must be positive")
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    lo, hi = 0.0, 1.0
    while t_cdf(hi, df) < p:
        lo, hi = hi, hi * 2.0
    for _ in range(200):
        mid = (lo + hi) / 2.0
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12 * max(1.0, hi):
            break
    return (lo + hi) / 2.0


# --- Estimates with intervals ----------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """A figure with its 95 % interval and the number of people it rests on."""

    value: float
    low: float | None
    high: float | None
    n: int


def mean_estimate(acc: Accumulator, *, confidence: float = CONFIDENCE) -> Estimate | None:
    """Mean 0-100 score with a t interval on person-level scores, clipped to the scale."""
    if acc.n == 0:
        return None
    mean = acc.total / acc.n
    variance = acc.variance
    if variance is None:
        return Estimate(mean, None, None, acc.n)
    half = t_quantile(0.5 + confidence / 2.0, acc.n - 1) * math.sqrt(variance / acc.n)
    return Estimate(mean, max(0.0, mean - half), min(100.0, mean + half), acc.n)


def wilson_interval(
    successes: int, n: int, *, confidence: float = CONFIDENCE
) -> tuple[float, float]:
    """Wilson score interval for a proportion."""
    if n <= 0:
        raise ValueError("n must be positive")
    if not 0 <= successes <= n:
        raise ValueError("successes must lie between 0 and n")
    z = NormalDist().inv_cdf(0.5 + confidence / 2.0)
    p = successes / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    # At 0 or n successes the bound is exactly 0 or 1; avoid rounding residue there.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def share_positive(counts: Mapping[int, int]) -> Estimate | None:
    """Share answering 4 or 5 (among those who gave a 1..5 answer), with a Wilson interval."""
    n = sum(c for v, c in counts.items() if v in SCALE)
    if n == 0:
        return None
    positive = sum(counts.get(v, 0) for v in POSITIVE)
    low, high = wilson_interval(positive, n)
    return Estimate(positive / n, low, high, n)


def distribution(counts: Mapping[int, int]) -> dict[int, float]:
    """Share of each answer value (1..5 and 0 = doesn't apply) among everyone who answered."""
    n = sum(counts.get(v, 0) for v in (*SCALE, DOES_NOT_APPLY))
    if n == 0:
        return {}
    return {v: counts.get(v, 0) / n for v in (*SCALE, DOES_NOT_APPLY)}


# --- Comparison among agencies ---------------------------------------------------------------


def median(values: Iterable[float]) -> float | None:
    ordered = sorted(values)
    if not ordered:
        return None
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2.0


def percentile_rank(value: float, values: Iterable[float]) -> float | None:
    """Percent of agencies scoring below `value`, counting ties as half (0-100)."""
    population = list(values)
    if not population:
        return None
    below = sum(1 for v in population if v < value)
    equal = sum(1 for v in population if v == value)
    return 100.0 * (below + 0.5 * equal) / len(population)


# --- Released figures: person matrices, bootstrap intervals, rounding -------------------------
#
# A group of people (a release block, a breakdown cell, a window of whole blocks) is a matrix with
# one row per person and one column per measure in `PERSON_COLUMNS` (the person's pillar and
# outcome scores, NaN where nothing applied). Every released score comes from `group_estimates`.

PERSON_COLUMNS: tuple[str, ...] = (*PJ_PILLARS, OUTCOME)
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20260101  # fixed: a rebuild recomputes exactly the same intervals
_CHUNK = 100  # resamples drawn at once (memory: _CHUNK x distinct rows)


def person_row(scores: Mapping[str, float | None]) -> tuple[float, ...]:
    """One person's row of the matrix, from `person_scores`."""
    return tuple(math.nan if scores.get(c) is None else float(scores[c]) for c in PERSON_COLUMNS)


def _measures_of(sums: np.ndarray, answered: np.ndarray) -> np.ndarray:
    """Means per column (NaN where no one answered) and, last, the trust index.

    The trust index is the mean of the four pillar means: a function of the pillar figures shown
    beside it, so it can never isolate anyone they do not (PRIVACY.md rule 4). It exists only when
    every pillar has answers.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(answered > 0, sums / np.where(answered > 0, answered, 1), np.nan)
    trust = means[..., : len(PJ_PILLARS)].mean(axis=-1)  # NaN if any pillar is NaN
    return np.concatenate([means, trust[..., None]], axis=-1)


def group_estimates(
    rows: Sequence[Sequence[float]],
    *,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    confidence: float = CONFIDENCE,
) -> dict[str, Estimate | None]:
    """Every measure of one group with a percentile-bootstrap interval (people resampled).

    The bootstrap resamples whole people, so the trust index's interval accounts for how one
    person's pillars go together; it suits a bounded score (the interval never leaves 0-100 and
    is not forced to be symmetric). Identical rows are pooled and resampled with multinomial
    weights, which is the same bootstrap at a cost that depends on distinct rows, not on people.
    `n` is the number of people with a score for that measure (for trust: any pillar answered).
    """
    matrix = np.asarray(rows, dtype=float).reshape(-1, len(PERSON_COLUMNS))
    out: dict[str, Estimate | None] = dict.fromkeys((*PERSON_COLUMNS, TRUST))
    people = matrix.shape[0]
    if people == 0:
        return out
    mask = ~np.isnan(matrix)
    filled = np.where(mask, matrix, 0.0)
    point = _measures_of(filled.sum(axis=0), mask.sum(axis=0))
    n_by = [*mask.sum(axis=0).tolist(), int(mask[:, : len(PJ_PILLARS)].any(axis=1).sum())]
    # Pool identical people (NaN coded as -1 for np.unique) and resample with weights.
    coded = np.where(mask, matrix, -1.0)
    distinct, counts = np.unique(coded, axis=0, return_counts=True)
    d_mask = distinct >= 0
    d_filled = np.where(d_mask, distinct, 0.0)
    rng = np.random.default_rng(seed)
    draws = []
    for start in range(0, resamples, _CHUNK):
        size = min(_CHUNK, resamples - start)
        weights = rng.multinomial(people, counts / people, size=size).astype(float)
        draws.append(_measures_of(weights @ d_filled, weights @ d_mask))
    boot = np.concatenate(draws)
    tail = 100.0 * (1.0 - confidence) / 2.0
    for index, name in enumerate((*PERSON_COLUMNS, TRUST)):
        value = point[index]
        if math.isnan(value):
            continue
        column = boot[:, index]
        column = column[~np.isnan(column)]
        low, high = np.percentile(column, [tail, 100.0 - tail]) if column.size else (None, None)
        out[name] = Estimate(
            float(value),
            None if low is None else float(low),
            None if high is None else float(high),
            int(n_by[index]),
        )
    return out


@dataclass(frozen=True)
class Change:
    """Difference of one measure between two groups (later minus earlier) with its interval."""

    difference: float
    low: float
    high: float

    @property
    def detectable(self) -> bool:
        """False when the interval includes zero: "no detectable change"."""
        return not (self.low <= 0.0 <= self.high)


def group_change(
    later: Sequence[Sequence[float]],
    earlier: Sequence[Sequence[float]],
    *,
    measure: str = TRUST,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    confidence: float = CONFIDENCE,
) -> Change | None:
    """Later minus earlier for one measure; each group resampled on its own (independent blocks)."""
    index = (*PERSON_COLUMNS, TRUST).index(measure)
    samples = []
    points = []
    for offset, rows in enumerate((later, earlier)):
        matrix = np.asarray(rows, dtype=float).reshape(-1, len(PERSON_COLUMNS))
        if matrix.shape[0] == 0:
            return None
        mask = ~np.isnan(matrix)
        point = _measures_of(np.where(mask, matrix, 0.0).sum(axis=0), mask.sum(axis=0))[index]
        if math.isnan(point):
            return None
        points.append(point)
        rng = np.random.default_rng(seed + offset)
        people = matrix.shape[0]
        picks = rng.integers(0, people, size=(resamples, people))
        chosen = matrix[picks]
        chosen_mask = ~np.isnan(chosen)
        samples.append(
            _measures_of(np.where(chosen_mask, chosen, 0.0).sum(axis=1), chosen_mask.sum(axis=1))[
                :, index
            ]
        )
    diff = samples[0] - samples[1]
    diff = diff[~np.isnan(diff)]
    tail = 100.0 * (1.0 - confidence) / 2.0
    low, high = np.percentile(diff, [tail, 100.0 - tail])
    return Change(float(points[0] - points[1]), float(low), float(high))


def largest_remainder(counts: Mapping[int, int], *, total: int = 100) -> dict[int, int]:
    """Whole percentages of `counts` that add up to exactly `total` (largest remainder method).

    Ties in the remainder go to the larger count, then to the smaller key, so the result is
    deterministic.
    """
    n = sum(counts.values())
    if n == 0:
        return dict.fromkeys(counts, 0)
    exact = {key: total * c / n for key, c in counts.items()}
    out = {key: math.floor(v) for key, v in exact.items()}
    left = total - sum(out.values())
    order = sorted(counts, key=lambda key: (-(exact[key] - out[key]), -counts[key], key))
    for key in order[:left]:
        out[key] += 1
    return out
