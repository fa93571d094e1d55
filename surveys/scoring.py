"""Scores of the instrument (SURVEY.md), as pure functions: no ORM, no Django settings.

Person-level scores are summarised by mergeable accumulators (n, sum, sum of squares), which is
what the ScoreRollup table stores; every public figure is computed here from those accumulators or
from answer counts (intervals, Wilson shares, distributions, comparisons among agencies).

Item score: answer 1…5 → 0, 25, 50, 75, 100; "doesn't apply" (None) is excluded, not zero.
A person's pillar score is the mean of their item scores in that pillar; their trust score is the
mean of their four procedural-justice pillar scores (those they answered).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from statistics import NormalDist, fmean

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
