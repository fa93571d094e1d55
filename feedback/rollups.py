"""Rollups: the aggregates public pages read, kept in step with every submission.

`rollups_add` runs inside the submission's transaction, so a page never sees an answer its rollup
does not count. `rollups_rebuild` recomputes them from the answers (after an import, a repair, or to
prove they are right).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from statistics import fmean

from django.db import connection, transaction
from django.db.models import Count

from agencies.cache import figures_changed
from agencies.models import Agency
from surveys.models import Question
from surveys.scoring import MEASURES, OUTCOME, PJ_PILLARS, person_scores

from .models import Answer, AnswerRollup, Feedback, ModerationRollup, ScoreRollup

# The moderation states an Agency Page counts: comments offered for publication.
MODERATION_COUNTED = (
    Feedback.Moderation.PUBLISHED,
    Feedback.Moderation.WITHHELD,
    Feedback.Moderation.PENDING,
    Feedback.Moderation.SENSITIVE,
)

CellKey = tuple[int, object, str]  # agency id, month, category
ROLLUP_CELL = ("agency_id", "month", "category")


def _person_measures(answers: Iterable[Answer]) -> dict[str, float | None]:
    by_pillar: dict[str, list[int | None]] = defaultdict(list)
    for answer in answers:
        by_pillar[answer.question.pillar].append(answer.value)
    return person_scores(by_pillar)


def rollups_add(*, feedback: Feedback, answers: Sequence[Answer]) -> None:
    """Count one new feedback and its answers into the rollups (call inside its transaction).

    Two multi-row upserts (`INSERT … ON CONFLICT DO UPDATE SET x = x + excluded.x`, PostgreSQL and
    SQLite ≥ 3.24): a submission costs two statements whatever the number of questions, and
    concurrent submissions to one cell add up instead of racing a read-modify-write.
    """
    cell = (feedback.agency_id, feedback.interaction_month, feedback.category)
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for answer in answers:
        counts[(answer.question_id, answer.value or 0)] += 1
    if counts:
        _upsert(
            AnswerRollup,
            ("agency_id", "month", "category", "question_id", "value", "count"),
            [(*cell, q, v, c) for (q, v), c in sorted(counts.items())],
            conflict=("agency_id", "month", "category", "question_id", "value"),
            add=("count",),
        )
    rows = []
    for measure, score in sorted(_person_measures(answers).items()):
        scored = score is not None
        rows.append(
            (*cell, measure, 1, int(scored), score or 0.0, (score or 0.0) ** 2 if scored else 0.0)
        )
    _upsert(
        ScoreRollup,
        ("agency_id", "month", "category", "measure", "responses", "n", "total", "total_sq"),
        rows,
        conflict=("agency_id", "month", "category", "measure"),
        add=("responses", "n", "total", "total_sq"),
    )
    # A new comment is not counted here: it counts as awaiting review from the daily batch that
    # delivers it to moderators (feedback.moderation.comments_release), never from its arrival.


def moderation_rollup_move(
    *, agency_id: int, old: tuple[str, str] | None, new: tuple[str, str] | None
) -> None:
    """Move one comment from its old (state, reason) cell to its new one; None is "not counted".

    Call inside the transaction that changes the comment: one upsert, and a no-op for states the
    page does not count (no comment, private comment).
    """
    if old == new:
        return
    rows = [
        (agency_id, *cell, delta)
        for cell, delta in ((old, -1), (new, 1))
        if cell is not None and cell[0] in MODERATION_COUNTED
    ]
    if rows:
        _upsert(
            ModerationRollup,
            ("agency_id", "state", "reason", "count"),
            sorted(rows),  # one lock order for every writer
            conflict=("agency_id", "state", "reason"),
            add=("count",),
        )


def _upsert(
    model: type[AnswerRollup] | type[ScoreRollup] | type[ModerationRollup],
    columns: tuple[str, ...],
    rows: list[tuple[object, ...]],
    *,
    conflict: tuple[str, ...],
    add: tuple[str, ...],
) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    q = connection.ops.quote_name
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    sql = (
        f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}) "  # noqa: S608  # nosec B608 - table and column names come from our models
        f"VALUES {', '.join([one] * len(rows))} "
        f"ON CONFLICT ({', '.join(q(c) for c in conflict)}) DO UPDATE SET "
        + ", ".join(f"{q(c)} = {table}.{q(c)} + excluded.{q(c)}" for c in add)
    )
    params = [
        connection.ops.adapt_datefield_value(v) if isinstance(v, dt.date) else v
        for row in rows
        for v in row
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@transaction.atomic
def rollups_rebuild(*, agency: Agency | None = None, batch_size: int = 2000) -> int:
    """Recompute every rollup (of one agency, or all) from the answers; return feedback rows read.

    Set-based, so a million responses take seconds rather than the minutes of a row-by-row loop:
    answer counts come from one GROUP BY query; person-level pillar means from one aggregate query
    (AVG of integer item scores is exactly `fmean`'s result), streamed in feedback order into the
    same float accumulation as `rollups_add`, so totals are bit-for-bit those of the per-row
    implementation this replaced. The tables are then reconciled with the result — only cells
    that differ are updated, added or deleted — so checking rollups that are right writes nothing
    (and does not make PostgreSQL re-check a foreign key for every one of millions of rows).
    """
    answer_cells, score_cells, rows = _recomputed(agency, batch_size)
    answer_fields = ("count",)
    score_fields = ("responses", "n", "total", "total_sq")
    _reconcile(AnswerRollup, (*ROLLUP_CELL, "question_id", "value"), answer_fields, answer_cells,
               agency, batch_size)  # fmt: skip
    _reconcile(ScoreRollup, (*ROLLUP_CELL, "measure"), score_fields, score_cells, agency,
               batch_size)  # fmt: skip
    _rebuild_moderation(agency, batch_size)
    # Rebuilt rollups may change closed months, which the cached figures sections take as final.
    transaction.on_commit(figures_changed)
    return rows


def _rebuild_moderation(agency: Agency | None, batch_size: int) -> None:
    """Make the moderation rollup equal a recount of the comments, writing only what differs."""
    comments = Feedback.objects.filter(moderation_state__in=MODERATION_COUNTED).exclude(
        moderation_state=Feedback.Moderation.PENDING, comment_release__isnull=True
    )  # awaiting review counts from the daily batch that delivered the comment
    if agency is not None:
        comments = comments.filter(agency=agency)
    wanted = {
        (agency_id, state, reason): (count,)
        for agency_id, state, reason, count in comments.values_list(
            "agency_id", "moderation_state", "withheld_reason"
        )
        .annotate(count=Count("*"))
        .order_by()
    }
    cell = ("agency_id", "state", "reason")
    _reconcile(ModerationRollup, cell, ("count",), wanted, agency, batch_size)


def _recomputed(
    agency: Agency | None, batch_size: int
) -> tuple[dict[tuple, tuple], dict[tuple, tuple], int]:
    """(answer cells, score cells, feedback rows) recomputed from the answers, read-only.

    Keys are (agency_id, month, category, question_id, value) and (agency_id, month, category,
    measure); values are (count,) and (responses, n, total, total_sq).
    """
    fb, answers = Feedback._meta.db_table, Answer._meta.db_table
    where, params = ("WHERE f.agency_id = %s", [agency.pk]) if agency is not None else ("", [])
    pillars = [*PJ_PILLARS, OUTCOME]
    means = ", ".join(
        f"AVG(CASE WHEN q.pillar = '{p}' THEN CAST(a.value - 1 AS DOUBLE PRECISION) * 25 END) AS {p}"
        for p in pillars
    )
    scoped = f"JOIN {fb} f ON f.id = a.feedback_id {where}" if where else ""
    answer_cells: dict[tuple, tuple] = {}
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL work_mem = '128MB'")
        cur.execute(
            f"""
            SELECT f.agency_id, f.interaction_month, f.category, a.question_id,
                   COALESCE(a.value, 0), COUNT(*)
            FROM {answers} a JOIN {fb} f ON f.id = a.feedback_id
            {where}
            GROUP BY f.agency_id, f.interaction_month, f.category, a.question_id,
                     COALESCE(a.value, 0)
            """,  # noqa: S608  # nosec B608 - table names come from the models, values are parameters
            params,
        )
        for agency_id, month, *key, count in cur.fetchall():
            answer_cells[(agency_id, _as_date(month), *key)] = (count,)
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
    """  # noqa: S608  # nosec B608 - table names come from the models
    scores: dict[tuple, list] = {}
    rows = 0
    with connection.chunked_cursor() as cur:
        cur.execute(person_sql, params * 2)
        while chunk := cur.fetchmany(batch_size):
            for agency_id, month, category, *by_pillar in chunk:
                rows += 1
                pj = [x for x in by_pillar[: len(PJ_PILLARS)] if x is not None]
                person = (*by_pillar, fmean(pj) if pj else None)  # in MEASURES order
                for measure, score in zip(MEASURES, person, strict=True):
                    key = (agency_id, _as_date(month), category, measure)
                    acc = scores.get(key)
                    if acc is None:
                        acc = scores[key] = [0, 0, 0.0, 0.0]
                    acc[0] += 1
                    if score is not None:
                        acc[1] += 1
                        acc[2] += score
                        acc[3] += score * score
    return answer_cells, {k: tuple(v) for k, v in scores.items()}, rows


def _reconcile(
    model: type[AnswerRollup] | type[ScoreRollup] | type[ModerationRollup],
    cell_fields: tuple[str, ...],
    value_fields: tuple[str, ...],
    wanted: dict[tuple, tuple],
    agency: Agency | None,
    batch_size: int,
) -> None:
    """Make the model's rows equal `wanted` (cell -> values), writing only the cells that differ."""
    table = model.objects.all() if agency is None else model.objects.filter(agency=agency)
    changed, stale = [], []
    for pk, *values in table.values_list("pk", *cell_fields, *value_fields).iterator(
        chunk_size=batch_size
    ):
        key = tuple(
            _as_date(v) if f == "month" else v
            for f, v in zip(cell_fields, values[: len(cell_fields)], strict=True)
        )
        current = tuple(values[len(cell_fields) :])
        target = wanted.pop(key, None)
        if target is None:
            stale.append(pk)
        elif target != current:
            changed.append(model(pk=pk, **dict(zip(value_fields, target, strict=True))))
    for start in range(0, len(stale), batch_size):
        model.objects.filter(pk__in=stale[start : start + batch_size])._raw_delete(model.objects.db)
    model.objects.bulk_update(changed, value_fields, batch_size=batch_size)
    model.objects.bulk_create(
        (
            model(
                **dict(zip(cell_fields, key, strict=True)),
                **dict(zip(value_fields, v, strict=True)),
            )
            for key, v in wanted.items()
        ),
        batch_size=batch_size,
    )


def _as_date(value: object) -> object:
    """Months come back as dates from PostgreSQL and as ISO strings from raw SQLite queries."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value
