"""Rollups: the aggregates public pages read, kept in step with every submission.

`rollups_add` runs inside the submission's transaction, so a page never sees an answer its rollup
does not count. `rollups_rebuild` recomputes them from the answers (after an import, a repair, or to
prove they are right).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.db.models import F

from agencies.models import Agency
from surveys.scoring import MEASURES, person_scores

from .models import Answer, AnswerRollup, Feedback, ScoreRollup

CellKey = tuple[int, object, str]  # agency id, month, category


def _person_measures(answers: Iterable[Answer]) -> dict[str, float | None]:
    by_pillar: dict[str, list[int | None]] = defaultdict(list)
    for answer in answers:
        by_pillar[answer.question.pillar].append(answer.value)
    return person_scores(by_pillar)


def rollups_add(*, feedback: Feedback, answers: Sequence[Answer]) -> None:
    """Count one new feedback and its answers into the rollups (call inside its transaction)."""
    cell = {
        "agency_id": feedback.agency_id,
        "month": feedback.interaction_month,
        "category": feedback.category,
    }
    for answer in answers:
        row, _ = AnswerRollup.objects.get_or_create(
            **cell, question_id=answer.question_id, value=answer.value or 0
        )
        AnswerRollup.objects.filter(pk=row.pk).update(count=F("count") + 1)
    for measure, score in _person_measures(answers).items():
        row, _ = ScoreRollup.objects.get_or_create(**cell, measure=measure)
        update = {"responses": F("responses") + 1}
        if score is not None:
            update |= {
                "n": F("n") + 1,
                "total": F("total") + score,
                "total_sq": F("total_sq") + score * score,
            }
        ScoreRollup.objects.filter(pk=row.pk).update(**update)


@transaction.atomic
def rollups_rebuild(*, agency: Agency | None = None, batch_size: int = 2000) -> int:
    """Recompute every rollup (of one agency, or all) from the answers; return feedback rows read."""
    feedback = Feedback.objects.all()
    if agency is not None:
        feedback = feedback.filter(agency=agency)
    for model in (AnswerRollup, ScoreRollup):
        stale = model.objects.all() if agency is None else model.objects.filter(agency=agency)
        stale.delete()

    answer_counts: dict[tuple[CellKey, int, int], int] = defaultdict(int)
    scores: dict[tuple[CellKey, str], list[float]] = defaultdict(lambda: [0, 0, 0.0, 0.0])

    def flush(cell: CellKey, by_pillar: dict[str, list[int | None]]) -> None:
        for measure, score in person_scores(by_pillar).items():
            acc = scores[(cell, measure)]
            acc[0] += 1
            if score is not None:
                acc[1] += 1
                acc[2] += score
                acc[3] += score * score

    # One streamed pass over plain tuples (no model instances, no per-feedback lookup table):
    # each answer row carries its feedback's cell.
    answers = (
        Answer.objects.filter(feedback__in=feedback)
        .order_by("feedback_id")
        .values_list(
            "feedback_id",
            "feedback__agency_id",
            "feedback__interaction_month",
            "feedback__category",
            "question_id",
            "question__pillar",
            "value",
        )
    )
    rows = 0
    current: int | None = None
    cell: CellKey = (0, None, "")
    by_pillar: dict[str, list[int | None]] = defaultdict(list)
    for feedback_id, a, m, c, question_id, pillar, value in answers.iterator(chunk_size=batch_size):
        if feedback_id != current:
            if current is not None:
                flush(cell, by_pillar)
                rows += 1
            current, cell, by_pillar = feedback_id, (a, m, c), defaultdict(list)
        answer_counts[(cell, question_id, value or 0)] += 1
        by_pillar[pillar].append(value)
    if current is not None:
        flush(cell, by_pillar)
        rows += 1
    unanswered = feedback.filter(answers__isnull=True).values_list(
        "agency_id", "interaction_month", "category"
    )
    for a, m, c in unanswered.iterator(chunk_size=batch_size):  # every item was skipped
        flush((a, m, c), {})
        rows += 1

    AnswerRollup.objects.bulk_create(
        (
            AnswerRollup(agency_id=a, month=m, category=c, question_id=q, value=v, count=count)
            for ((a, m, c), q, v), count in answer_counts.items()
        ),
        batch_size=batch_size,
    )
    ScoreRollup.objects.bulk_create(
        (
            ScoreRollup(
                agency_id=a,
                month=m,
                category=c,
                measure=measure,
                responses=acc[0],
                n=acc[1],
                total=acc[2],
                total_sq=acc[3],
            )
            for ((a, m, c), measure), acc in scores.items()
            if measure in MEASURES
        ),
        batch_size=batch_size,
    )
    return rows
