"""Open data: the published figures of the Agency Page, as tables, CSV, JSON and a data package.

There is no per-response row here and no file that links a comment to answers (PRIVACY.md rule 6).
Every number in these files is a figure the Agency Page shows, taken from the same computation
(`published_figures`, the one place that says where the figures come from): released blocks and
their trust index, the headline figures of the last twelve closed months with their breakdowns,
and the answer distributions. The national files are the union of the agency files.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings

from feedback.models import Category
from surveys.disclosure import add_months
from surveys.models import Question
from surveys.scoring import DOES_NOT_APPLY, SCALE, Estimate

from . import reads
from .figures import PILLARS, TRUST, Figures, agency_figures
from .models import Agency

LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0 International",
}
LICENSE_STATEMENT = (
    "Licensed under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/). "
    "Responses from people who chose to answer after contact with the agency; not a community-wide "
    "poll. These are the figures the Agency Pages publish; there are no per-response rows."
)
# Every block since the agency's first: the page's trend shows up to 24 months of them.
ALL_MONTHS = 12 * 100
SHARE_POSITIVE = "share_positive"
HEADLINE_MEASURES = (TRUST, *PILLARS, "outcome")


def suppression_rule(k: int) -> str:
    return (
        f"Months are merged, oldest first, into release blocks of at least k = {k} responses; a "
        "block is published once every feedback code that could add to it has expired, and never "
        "changes afterwards. A figure is shown only when it rests on at least k people. In a "
        "breakdown (kind of contact) a cell under k is hidden, and when the hidden cells together "
        "would hold fewer than k, the next smallest cells are hidden too, so that no hidden cell "
        "can be worked out by subtraction. Figures over twelve months are sums of whole released "
        "blocks. Demographic answers are never published; comments are published on the Agency "
        "Page only, never next to answers."
    )


# --- Columns ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    constraints: dict | None = None
    extra: dict = field(default_factory=dict)

    def field(self) -> dict:
        out = {"name": self.name, "type": self.type, "description": self.description}
        if self.constraints:
            out["constraints"] = self.constraints
        out.update(self.extra)
        return out


MONTH = {"required": True, "pattern": r"\d{4}-\d{2}"}
SCORE_UNIT = "score from 0 (worst) to 100 (best); answers 1-5 count 0, 25, 50, 75, 100"
AGENCY = Column("agency", "string", "Agency identifier (slug).", {"required": True})
AGENCY_NAME = Column("agency_name", "string", "Agency name.", {"required": True})


def _interval(which: str) -> Column:
    return Column(
        f"ci_{which}",
        "number",
        f"{'Lower' if which == 'low' else 'Upper'} bound of the 95 % interval, in the unit of "
        "`value`: a t interval on person-level scores clipped to 0-100 for scores (its coverage "
        "is below 95 % near the ends of the scale), a Wilson interval for share_positive. Empty "
        "when the figure is withheld or rests on one value.",
        {"minimum": 0, "maximum": 100},
    )


BLOCK_COLUMNS = [
    AGENCY,
    AGENCY_NAME,
    Column("block_start", "string", "First month of the release block (YYYY-MM).", MONTH),
    Column("block_end", "string", "Last month of the release block (YYYY-MM).", MONTH),
    Column(
        "responses",
        "integer",
        "People who responded about contacts in the block.",
        {"required": True, "minimum": 0},
    ),  # fmt: skip
    Column(
        "trust_n",
        "integer",
        "People with a trust index in the block; empty when withheld.",
        {"minimum": 0},
    ),  # fmt: skip
    Column(
        "trust",
        "number",
        f"Trust index of the block, {SCORE_UNIT}.",
        {"minimum": 0, "maximum": 100},
        {"unit": "score 0-100"},
    ),  # fmt: skip
    _interval("low"),
    _interval("high"),
]

SCORE_COLUMNS = [
    AGENCY,
    AGENCY_NAME,
    Column(
        "period_start",
        "string",
        "First month covered (YYYY-MM): the first of the whole released blocks in the last "
        "twelve closed months.",
        MONTH,
    ),
    Column("period_end", "string", "Last month covered (YYYY-MM).", MONTH),
    Column(
        "breakdown",
        "string",
        "all: everyone in the period; call_category: one kind of contact.",
        {"required": True, "enum": ["all", "call_category"]},
    ),
    Column(
        "group",
        "string",
        "The cell of the breakdown: empty for all, else the kind of contact ("
        + ", ".join(Category.values)
        + ").",
    ),
    Column(
        "measure",
        "string",
        "trust (trust index: the mean of the four pillar scores), voice, respect (dignity and "
        "respect), neutrality, motives (trustworthy motives), outcome (overall satisfaction and "
        "confidence, not part of the trust index), or share_positive (percent answering 4 or 5 on "
        "overall satisfaction).",
        {"required": True, "enum": [*HEADLINE_MEASURES, SHARE_POSITIVE]},
    ),
    Column(
        "unit",
        "string",
        "score_0_100 for scores, percent for share_positive.",
        {"required": True, "enum": ["score_0_100", "percent"]},
    ),
    Column(
        "withheld",
        "boolean",
        "True when the figure rests on fewer than k people (or is hidden so that another cell "
        "cannot be worked out by subtraction): n, value and interval are then empty.",
        {"required": True},
    ),
    Column("n", "integer", "People the figure rests on.", {"minimum": 0}),
    Column(
        "value",
        "number",
        "The figure, in `unit`, rounded to 2 decimals.",
        {"minimum": 0, "maximum": 100},
    ),  # fmt: skip
    _interval("low"),
    _interval("high"),
]

DISTRIBUTION_COLUMNS = [
    AGENCY,
    AGENCY_NAME,
    Column("period_start", "string", "First month covered (YYYY-MM).", MONTH),
    Column("period_end", "string", "Last month covered (YYYY-MM).", MONTH),
    Column(
        "survey_version",
        "integer",
        "Version of the survey the question belongs to.",
        {"required": True},
    ),  # fmt: skip
    Column(
        "question",
        "string",
        "Question code (see the questions resource for its wording).",
        {"required": True},
    ),  # fmt: skip
    Column(
        "answer",
        "integer",
        "Answer value: 1 = strongly disagree (or very dissatisfied) ... 5 = strongly agree (or "
        "very satisfied); 0 = doesn't apply.",
        {"required": True, "minimum": 0, "maximum": 5},
    ),
    Column(
        "answers", "integer", "How many people gave this answer.", {"required": True, "minimum": 0}
    ),  # fmt: skip
    Column(
        "n",
        "integer",
        "People who answered the question (every answer value, 0 included).",
        {"required": True, "minimum": 0},
    ),  # fmt: skip
    Column(
        "percent",
        "number",
        "answers / n x 100, rounded to 2 decimals.",
        {"required": True, "minimum": 0, "maximum": 100},
    ),  # fmt: skip
]

QUESTION_COLUMNS = [
    Column("survey_version", "integer", "Survey version.", {"required": True}),
    Column("question", "string", "Question code.", {"required": True}),
    Column("order", "integer", "Position in the survey.", {"required": True}),
    Column(
        "pillar",
        "string",
        "voice, respect, neutrality, motives (the four procedural-justice pillars) or outcome.",
        {"required": True, "enum": [*PILLARS, "outcome"]},
    ),
    Column(
        "scale",
        "string",
        "agree: 1 strongly disagree ... 5 strongly agree; satisfied: 1 very dissatisfied ... "
        "5 very satisfied; both with 0 = doesn't apply.",
        {"required": True, "enum": ["agree", "satisfied"]},
    ),
    Column("text_en", "string", "Wording in English.", {"required": True}),
    Column("text_es", "string", "Wording in Spanish.", {"required": True}),
]


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    columns: list[Column]


TABLES = (
    Table(
        "blocks",
        "Release blocks",
        "One row per released block of the agency: its months, responses and trust index (the "
        "Agency Page's 'Trust index over time').",
        BLOCK_COLUMNS,
    ),
    Table(
        "scores",
        "Scores of the last twelve closed months",
        "The Agency Page's headline figures: trust index, pillars, overall, share satisfied, and "
        "the trust index by kind of contact, with n and 95 % intervals.",
        SCORE_COLUMNS,
    ),
    Table(
        "distributions",
        "How people answered each question",
        "The Agency Page's answer distributions over the same months as the scores.",
        DISTRIBUTION_COLUMNS,
    ),
    Table(
        "questions",
        "Questions",
        "Every question of every survey version, in English and Spanish.",
        QUESTION_COLUMNS,
    ),
)
TABLE_NAMES = tuple(t.name for t in TABLES)


# --- The figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Published:
    """One agency's published figures, as rows of each table (tuples in column order)."""

    closed: dt.date
    last_block_end: dt.date | None
    tables: dict[str, list[tuple]]


def published_figures(agency: Agency, *, closed: dt.date) -> tuple[Figures, list[Question]]:
    """The figures the Agency Page shows for this closed month: the one source of the files."""
    answers = reads.answer_rows(agency)
    ids = {row.question_id for row in answers}
    questions = list(
        Question.objects.filter(id__in=ids)
        .select_related("survey")
        .order_by("-survey__version", "order")
    )
    satisfaction = next((q.id for q in questions if q.is_satisfaction), None)
    figures = agency_figures(
        reads.score_rows(agency),
        answers,
        k=reads.k_min(),
        closed=closed,
        satisfaction_question_id=satisfaction,
        trend_months=ALL_MONTHS,
    )
    return figures, questions


def _month(day: dt.date | None) -> str | None:
    return None if day is None else f"{day:%Y-%m}"


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _score_row(head: tuple, breakdown: str, group: str, measure: str, est: Estimate | None,
               percent: bool = False) -> tuple:  # fmt: skip
    unit = "percent" if percent else "score_0_100"
    if est is None:
        return (*head, breakdown, group, measure, unit, True, None, None, None, None)
    scale = 100 if percent else 1
    low = None if est.low is None else est.low * scale
    high = None if est.high is None else est.high * scale
    return (*head, breakdown, group, measure, unit, False, est.n, _r(est.value * scale), _r(low),
            _r(high))  # fmt: skip


def agency_tables(agency: Agency, *, closed: dt.date) -> Published:
    """The rows of every table for one agency (questions excluded: they are not per agency)."""
    figures, questions = published_figures(agency, closed=closed)
    who = (agency.slug, agency.name)
    trust_by_block = {p.block: p.trust for p in figures.trend}
    blocks = []
    for block in figures.blocks:
        est = trust_by_block.get(block)
        blocks.append(
            (*who, _month(block.start), _month(block.end), block.n)
            + (
                (None, None, None, None)
                if est is None
                else (est.n, _r(est.value), _r(est.low), _r(est.high))
            )
        )
    scores: list[tuple] = []
    distributions: list[tuple] = []
    if figures.window_blocks:
        period = (_month(figures.first_month), _month(figures.last_month))
        head = (*who, *period)
        for measure in HEADLINE_MEASURES:
            scores.append(_score_row(head, "all", "", measure, figures.measures.get(measure)))
        scores.append(_score_row(head, "all", "", SHARE_POSITIVE, figures.share_positive, True))
        for category in Category.values:
            est = figures.categories.get(category)
            scores.append(_score_row(head, "call_category", category, TRUST, est))
        for question in questions:
            dist = figures.distributions.get(question.id)
            if dist is None:
                continue
            for value in (*SCALE, DOES_NOT_APPLY):
                count = round(dist.shares.get(value, 0.0) * dist.n)
                distributions.append(
                    (
                        *head,
                        question.survey.version,
                        question.code,
                        value,
                        count,
                        dist.n,
                        round(100 * count / dist.n, 2),
                    )  # fmt: skip
                )
    last = figures.blocks[-1].end if figures.blocks else None
    return Published(
        closed, last, {"blocks": blocks, "scores": scores, "distributions": distributions}
    )


def question_rows() -> list[tuple]:
    return list(
        Question.objects.order_by("-survey__version", "order").values_list(
            "survey__version", "code", "order", "pillar", "scale", "text_en", "text_es"
        )
    )


def release_date(month: dt.date) -> dt.date:
    """The day a month's figures were released: the last codes for it had then expired."""
    return add_months(month, 1) + dt.timedelta(days=settings.FEEDBACK_CODE_DAYS)


@dataclass(frozen=True)
class Bundle:
    """Every table of a download (the union of its agencies' rows) and its newest release."""

    closed: dt.date
    released_on: dt.date | None
    tables: dict[str, list[tuple]]


def bundle_of(agencies: Iterable[Agency], *, closed: dt.date) -> Bundle:
    """The tables of these agencies, agency after agency, and the date of the newest release."""
    tables: dict[str, list[tuple]] = {name: [] for name in TABLE_NAMES}
    ends = []
    for agency in agencies:
        published = agency_tables(agency, closed=closed)
        for name, rows in published.tables.items():
            tables[name].extend(rows)
        if published.last_block_end is not None:
            ends.append(published.last_block_end)
    tables["questions"] = question_rows()
    return Bundle(closed, release_date(max(ends)) if ends else None, tables)


# --- Encoders ------------------------------------------------------------------------------


def _cell(column: Column, value: object) -> object:
    if column.type == "boolean" and value is not None:
        return "true" if value else "false"
    return value


def csv_text(columns: Sequence[Column], rows: Iterable[Sequence]) -> str:
    """A whole CSV file: header, then one line per row; None is an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.name for c in columns])
    for row in rows:
        writer.writerow([_cell(c, v) for c, v in zip(columns, row, strict=True)])
    return buffer.getvalue()


def json_text(tables: dict[str, list[tuple]], *, meta: dict) -> str:
    """Every table as a list of objects keyed by column name, after the package's metadata."""
    body = dict(meta)
    for table in TABLES:
        names = [c.name for c in table.columns]
        body[table.name] = [dict(zip(names, row, strict=True)) for row in tables[table.name]]
    return json.dumps(body, ensure_ascii=False, indent=1) + "\n"


def etag_of(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


# --- The data package ------------------------------------------------------------------------


def datapackage(
    *,
    name: str,
    title: str,
    k: int,
    closed: dt.date,
    released_on: dt.date | None,
    surveys: Sequence[tuple[int, str, dt.date]],
) -> dict:
    """The Frictionless data package descriptor for one agency's files or for all agencies.

    `surveys` are (version, title, introduced on) of every survey version the questions cover.
    """
    resources = [
        {
            "name": table.name,
            "title": table.title,
            "path": f"{table.name}.csv",
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "description": table.description,
            "schema": {"fields": [c.field() for c in table.columns]},
        }
        for table in TABLES
    ]
    return {
        "profile": "tabular-data-package",
        "name": name,
        "title": title,
        "description": (
            "Anonymous feedback on police contacts, scored on the four pillars of procedural "
            "justice: the figures published on the Agency Pages. " + LICENSE_STATEMENT
        ),
        "licenses": [LICENSE],
        "closed_through": _month(closed),
        "released_on": None if released_on is None else released_on.isoformat(),
        "k": k,
        "suppression_rule": suppression_rule(k),
        "surveys": [
            {"version": v, "title": t, "introduced_on": d.isoformat()} for v, t, d in surveys
        ],
        "json": "figures.json",
        "resources": resources,
    }
