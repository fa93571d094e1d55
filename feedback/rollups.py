"""Rollups: the aggregates public pages read, kept in step with every submission.

`rollups_add` runs inside the submission's transaction, so a page never sees an answer its rollup
does not count. `rollups_rebuild` recomputes them from the answers (after an import, a repair, or to
prove they are right).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from statistics import fmean

from django.db import connection, transaction
from django.db.models import F

from agencies.models import Agency
from surveys.models import Question
from surveys.scoring import MEASURES, OUTCOME, PJ_PILLARS, person_scores

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
    """Recompute every rollup (of one agency, or all) from the answers; return feedback rows read.

    Set-based, so a million responses take seconds rather than the minutes of a row-by-row loop:
    answer counts are one INSERT … SELECT … GROUP BY; person-level pillar means come from one
    aggregate query (AVG of integer item scores is exactly `fmean`'s result) and are streamed,
    in feedback order, into the same float accumulation as `rollups_add`, so the totals are
    bit-for-bit those of the per-row implementation this replaced.
    """
    fb, answers = Feedback._meta.db_table, Answer._meta.db_table
    where, params = ("WHERE f.agency_id = %s", [agency.pk]) if agency is not None else ("", [])
    for model in (AnswerRollup, ScoreRollup):
        stale = model.objects.all() if agency is None else model.objects.filter(agency=agency)
        stale._raw_delete(stale.db)
    pillars = [*PJ_PILLARS, OUTCOME]
    means = ", ".join(
        f"AVG(CASE WHEN q.pillar = '{p}' THEN CAST(a.value - 1 AS DOUBLE PRECISION) * 25 END) AS {p}"
        for p in pillars
    )
    scoped = f"JOIN {fb} f ON f.id = a.feedback_id {where}" if where else ""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL work_mem = '128MB'")
        cur.execute(
            f"""
            INSERT INTO {AnswerRollup._meta.db_table}
                (agency_id, month, category, question_id, value, count)
            SELECT f.agency_id, f.interaction_month, f.category, a.question_id,
                   COALESCE(a.value, 0), COUNT(*)
            FROM {answers} a JOIN {fb} f ON f.id = a.feedback_id
            {where}
            GROUP BY f.agency_id, f.interaction_month, f.category, a.question_id,
                     COALESCE(a.value, 0)
            """,  # noqa: S608 - table names come from the models, values are parameters
            params,
        )
    person_sql = f"""
        SELECT f.agency_id, f.interaction_month, f.category, {", ".join(pillars)}
        FROM {fb} f LEFT JOIN (
            SELECT a.feedback_id, {means}
            FROM {answers} a JOIN {Question._meta.db_table} q ON q.id = a.question_id
            {scoped}
            GROUP BY a.feedback_id
        ) s ON s.feedback_id = f.id
        {where}
        ORDER BY f.id
    """  # noqa: S608
    scores: dict[tuple[CellKey, str], list[float]] = {}
    rows = 0
    with connection.chunked_cursor() as cur:
        cur.execute(person_sql, params * 2)
        while chunk := cur.fetchmany(batch_size):
            for agency_id, month, category, *by_pillar in chunk:
                rows += 1
                pj = [x for x in by_pillar[: len(PJ_PILLARS)] if x is not None]
                person = (*by_pillar, fmean(pj) if pj else None)  # in MEASURES order
                for measure, score in zip(MEASURES, person, strict=True):
                    acc = scores.get(((agency_id, month, category), measure))
                    if acc is None:
                        acc = scores[((agency_id, month, category), measure)] = [0, 0, 0.0, 0.0]
                    acc[0] += 1
                    if score is not None:
                        acc[1] += 1
                        acc[2] += score
                        acc[3] += score * score
    ScoreRollup.objects.bulk_create(
        (
            ScoreRollup(
                agency_id=a, month=m, category=c, measure=measure,
                responses=acc[0], n=acc[1], total=acc[2], total_sq=acc[3],
            )
            for ((a, m, c), measure), acc in scores.items()
        ),
        batch_size=batch_size,
    )  # fmt: skip
    return rows
