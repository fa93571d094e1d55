"""Scores of the instrument (SURVEY.md), as pure functions: no ORM, no Django settings.

Item score: answer 1…5 → 0, 25, 50, 75, 100; "doesn't apply" (None) is excluded, not zero.
A person's pillar score is the mean of their item scores in that pillar; their trust score is the
mean of their four procedural-justice pillar scores (those they answered).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from statistics import fmean

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
