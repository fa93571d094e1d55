"""Open data: the published figures of the Agency Page, as tables, CSV, JSON and a data package.

There is no per-response row here and no file that links a comment to answers (PRIVACY.md rule 6).
Every number in these files is a figure the Agency Page shows, taken from the same computation
(`published_figures`, the one place that says where the figures come from): released blocks and
their trust index, the headline figures of the last twelve closed months with their breakdowns,
and the answer distributions. The national files are the union of the agency files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import OuterRef, Subquery

from feedback.models import AgencyRelease, Category, ReleaseBlock
from feedback.releases import latest_release, released_blocks
from surveys.models import Question
from surveys.scoring import DOES_NOT_APPLY, SCALE

from . import csvfiles
from .figures import PILLARS, TRUST
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
SHARE_POSITIVE = "share_positive"
HEADLINE_MEASURES = (TRUST, *PILLARS, "outcome")


def suppression_rule(k: int) -> str:
    return (
        f"Months are merged, oldest first, into release blocks of at least k = {k} responses; a "
        "block is released once every feedback code that could add to it has expired, its "
        "figures are computed once and stored, and they never change afterwards. A block's "
        "scores are shown only when every measure rests on at least k people. In a breakdown "
        "(kind of contact, and the other breakdowns the release checks with it) a cell is shown "
        "only when it holds at least k people, and the hidden cells of a block together hold "
        "either none or at least k, checked for each breakdown and for every pair of breakdowns "
        "of the block, so that no hidden group can be worked out by subtraction. A figure over "
        "twelve months adds whole released blocks, and a kind of contact adds only the blocks "
        "in which it was shown. The trust index is the mean of the four pillar means, so it "
        "covers the same people as the pillars beside it. Demographic answers are never "
        "published; comments are published on the Agency Page only, never next to answers."
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


def _change_columns() -> list[Column]:
    out = []
    for which, words in (
        ("previous", "the block before"),
        ("year_earlier", "the block covering the same months a year earlier"),
    ):
        out += [
            Column(
                f"change_{which}_difference",
                "number",
                f"Trust index minus that of {words}, in score points; empty when there is none "
                "to compare with.",
            ),
            Column(f"change_{which}_low", "number", "Lower bound of its 95 % interval."),
            Column(f"change_{which}_high", "number", "Upper bound of its 95 % interval."),
            Column(
                f"change_{which}_detectable",
                "boolean",
                "False when the interval includes zero: no detectable change (the page then "
                "says so, never 'better' or 'worse').",
            ),
        ]
    return out


BLOCK_COLUMNS = [
    AGENCY,
    AGENCY_NAME,
    Column("block_start", "string", "First month of the release block (YYYY-MM).", MONTH),
    Column("block_end", "string", "Last month of the release block (YYYY-MM).", MONTH),
    Column(
        "released_on",
        "date",
        "The day the block was released (its last codes had expired); its figures never change "
        "afterwards.",
        {"required": True},
    ),
    Column(
        "responses",
        "integer",
        "People who responded about contacts in the block's months.",
        {"required": True, "minimum": 0},
    ),
    Column(
        "trust_n",
        "integer",
        "People the block's trust index rests on; empty when the block's scores are withheld "
        "(some measure rests on fewer than k people).",
        {"minimum": 0},
    ),
    Column(
        "trust",
        "number",
        f"Trust index of the block, {SCORE_UNIT}.",
        {"minimum": 0, "maximum": 100},
    ),
    _interval("low"),
    _interval("high"),
    *_change_columns(),
]

RATE_COLUMNS = [
    AGENCY,
    AGENCY_NAME,
    Column("block_start", "string", "First month of the release block (YYYY-MM).", MONTH),
    Column("block_end", "string", "Last month of the release block (YYYY-MM).", MONTH),
    Column(
        "channel",
        "string",
        "all: every code issued for the block's months; call: codes printed for recorded "
        "service calls; blank: blank cards (QR code or text message).",
        {"required": True},
    ),
    Column(
        "codes",
        "integer",
        "Feedback codes issued for contacts in the block's months.",
        {"required": True, "minimum": 0},
    ),
    Column(
        "responses",
        "integer",
        "Responses with those codes; empty while fewer than k (the page then says 'fewer than "
        "k responses').",
        {"minimum": 0},
    ),
    Column(
        "percent",
        "number",
        "responses / codes x 100 (AAPOR RR1-style response rate), 2 decimals; empty when "
        "responses is empty or no code was issued.",
        {"minimum": 0},
    ),
]

SCORE_COLUMNS = [
    AGENCY,
    AGENCY_NAME,
    Column(
        "period_start",
        "string",
        "First month of the first whole released block the figure covers (YYYY-MM), within the "
        "last twelve closed months; empty when the figure covers none.",
        {"pattern": r"\d{4}-\d{2}"},
    ),
    Column(
        "period_end",
        "string",
        "Last month of the last block the figure covers (YYYY-MM).",
        {"pattern": r"\d{4}-\d{2}"},
    ),
    Column(
        "blocks", "integer", "How many whole released blocks the figure covers.", {"minimum": 0}
    ),  # fmt: skip
    Column(
        "breakdown",
        "string",
        "all: everyone in the window; call_category: one kind of contact.",
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
        "status",
        "string",
        "shown; too_few (fewer than k people, hidden); not_in_any_block (k or more people over "
        "the window, but in no single block were they enough to be shown: a cell of a block is "
        "hidden under k, or so that another cell cannot be worked out by subtraction); none (no "
        "response of this kind).",
        {"required": True, "enum": ["shown", "too_few", "not_in_any_block", "none"]},
    ),
    Column(
        "measure",
        "string",
        "trust (trust index: the mean of the four pillar means), voice, respect (dignity and "
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
    Column("n", "integer", "People the figure rests on; empty unless shown.", {"minimum": 0}),
    Column(
        "value",
        "number",
        "The figure, in `unit`, as stored at release (4 decimals; the page rounds it).",
        {"minimum": 0, "maximum": 100},
    ),
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
    ),
    Column(
        "question",
        "string",
        "Question code (see the questions resource for its wording in English and Spanish).",
        {"required": True},
    ),
    Column(
        "answer",
        "integer",
        "Answer value: 1 = strongly disagree (or very dissatisfied) ... 5 = strongly agree (or "
        "very satisfied); 0 = doesn't apply.",
        {"required": True, "minimum": 0, "maximum": 5},
    ),
    Column(
        "n",
        "integer",
        "People who answered the question (every answer value, 0 included).",
        {"required": True, "minimum": 0},
    ),
    Column(
        "percent",
        "integer",
        "Share of those people who gave this answer, in whole percent, rounded (largest "
        "remainder) so that each question adds up to 100.",
        {"required": True, "minimum": 0, "maximum": 100},
    ),
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
        "One row per released block: its months, release date, responses, trust index and "
        "change (the Agency Page's 'Trust index over time' shows those of the last 24 months).",
        BLOCK_COLUMNS,
    ),
    Table(
        "response_rates",
        "Response rates",
        "Codes issued and responses for each released block, in all and by channel.",
        RATE_COLUMNS,
    ),
    Table(
        "scores",
        "Scores of the last twelve closed months",
        "The Agency Page's headline figures: trust index, pillars, overall, share satisfied, and "
        "the trust index by kind of contact, with n, 95 % intervals and the blocks covered.",
        SCORE_COLUMNS,
    ),
    Table(
        "distributions",
        "How people answered each question",
        "The Agency Page's answer distributions, over the same blocks as the scores.",
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
# The breakdowns the Agency Page shows: (name in the stored release, name in the files).
FILE_BREAKDOWNS = (("category", "call_category"),)


# --- The figures -------------------------------------------------------------------------------


def published_figures(agency: Agency) -> tuple[list[ReleaseBlock], AgencyRelease | None]:
    """The stored releases the Agency Page shows: the one source of the open-data files."""
    return released_blocks(agency), latest_release(agency)


def published_figures_of(
    agencies: Sequence[Agency],
) -> dict[int, tuple[list[ReleaseBlock], AgencyRelease | None]]:
    """`published_figures` of many agencies in two queries (the national files)."""
    if len(agencies) == 1:
        return {agencies[0].pk: published_figures(agencies[0])}
    ids = [a.pk for a in agencies]
    out: dict[int, tuple[list[ReleaseBlock], AgencyRelease | None]] = {i: ([], None) for i in ids}
    for block in ReleaseBlock.objects.filter(agency_id__in=ids).order_by(
        "agency_id", "first_month"
    ):
        out[block.agency_id][0].append(block)
    newest = AgencyRelease.objects.filter(agency=OuterRef("agency")).order_by("-closed_through")
    for release in AgencyRelease.objects.filter(
        agency_id__in=ids, pk=Subquery(newest.values("pk")[:1])
    ):
        out[release.agency_id] = (out[release.agency_id][0], release)
    return out


def _month(day: dt.date | str | None) -> str | None:
    if day is None:
        return None
    return (day if isinstance(day, str) else day.isoformat())[:7]


def _estimate(data: dict | None, *, percent: bool = False) -> tuple:
    """(n, value, low, high) of a stored estimate; share_positive (0-1) in percent."""
    if not data:
        return (None, None, None, None)
    scale = 100 if percent else 1

    def part(v: float | None) -> float | None:
        return None if v is None else round(v * scale, 4)

    return (data["n"], part(data["value"]), part(data["low"]), part(data["high"]))


def _change(data: dict | None) -> tuple:
    if not data:
        return (None, None, None, None)
    return (data["difference"], data["low"], data["high"], data["detectable"])


def _covered(blocks: list[dict]) -> tuple:
    if not blocks:
        return (None, None, 0)
    return (_month(blocks[0]["first"]), _month(blocks[-1]["last"]), len(blocks))


@dataclass(frozen=True)
class Published:
    """One agency's published figures, as rows of each table (tuples in column order)."""

    released_on: dt.date | None
    tables: dict[str, list[tuple]]


def _block_rows(who: tuple, blocks: Sequence[ReleaseBlock]) -> tuple[list[tuple], list[tuple]]:
    rows, rates = [], []
    for block in blocks:
        fig = block.figures
        span = (_month(block.first_month), _month(block.last_month))
        trust = (fig.get("measures") or {}).get(TRUST) if fig.get("scored") else None
        change = fig.get("change") or {}
        rows.append(
            (*who, *span, block.released_on.isoformat(), block.n, *_estimate(trust),
             *_change(change.get("previous")), *_change(change.get("year_earlier")))
        )  # fmt: skip
        rate = fig.get("response_rate")
        if not rate:
            continue
        channels = [("all", rate.get("codes", 0), rate.get("responses"))]
        channels += [(name, c["codes"], c["responses"]) for name, c in
                     sorted((rate.get("channels") or {}).items())]  # fmt: skip
        for name, codes, responses in channels:
            percent = round(100 * responses / codes, 2) if codes and responses is not None else None
            rates.append((*who, *span, name, codes, responses, percent))
    return rows, rates


def _headline_rows(who: tuple, headline: dict, order: dict) -> tuple[list[tuple], list[tuple]]:
    scores: list[tuple] = []
    distributions: list[tuple] = []
    if not headline.get("scored_blocks"):
        return scores, distributions
    covered = _covered(headline["scored_blocks"])
    measures = headline.get("measures") or {}
    for measure in HEADLINE_MEASURES:
        est = measures.get(measure)
        scores.append((*who, *covered, "all", "", "shown" if est else "too_few", measure,
                       "score_0_100", *_estimate(est)))  # fmt: skip
    est = headline.get("share_positive")
    scores.append((*who, *covered, "all", "", "shown" if est else "too_few", SHARE_POSITIVE,
                   "percent", *_estimate(est, percent=True)))  # fmt: skip
    for stored, name in FILE_BREAKDOWNS:
        cells = (headline.get("breakdowns") or {}).get(stored, {})
        for value in Category.values:
            cell = cells.get(value)
            status = cell["status"] if cell else "none"
            shown = status == "shown"
            est = (cell.get("measures") or {}).get(TRUST) if shown else None
            where = _covered(cell.get("blocks", [])) if shown else (None, None, 0)
            scores.append((*who, *where, name, value, status, TRUST, "score_0_100",
                           *_estimate(est)))  # fmt: skip

    def position(key: str) -> tuple:
        version, _sep, code = key.partition(":")
        number = int(version.lstrip("v"))
        return (-number, order.get((number, code), 999), code)

    for key in sorted(headline.get("distributions") or {}, key=position):
        dist = headline["distributions"][key]
        version, _sep, code = key.partition(":")
        for value in (*SCALE, DOES_NOT_APPLY):
            distributions.append((*who, *covered[:2], int(version.lstrip("v")), code, value,
                                  dist["n"], dist["percent"][str(value)]))  # fmt: skip
    return scores, distributions


def agency_tables(
    agency: Agency,
    *,
    order: dict | None = None,
    figures: tuple[list[ReleaseBlock], AgencyRelease | None] | None = None,
) -> Published:
    """The rows of every per-agency table, read from the agency's stored releases.

    `order` maps (survey version, question code) to the question's position (question_rows);
    `figures` are the agency's `published_figures` when already read.
    """
    blocks, release = figures if figures is not None else published_figures(agency)
    who = (agency.slug, agency.name)
    block_rows, rates = _block_rows(who, blocks)
    headline = (release.figures if release is not None else {}).get("headline") or {}
    scores, distributions = _headline_rows(who, headline, order or {})
    released = [b.released_on for b in blocks]
    if release is not None and blocks:
        released.append(release.released_on)
    tables = {"blocks": block_rows, "response_rates": rates, "scores": scores,
              "distributions": distributions}  # fmt: skip
    return Published(max(released, default=None), tables)


def question_rows() -> list[tuple]:
    return list(
        Question.objects.order_by("-survey__version", "order").values_list(
            "survey__version", "code", "order", "pillar", "scale", "text_en", "text_es"
        )
    )


@dataclass(frozen=True)
class Bundle:
    """Every table of a download (the union of its agencies' rows) and its newest release."""

    closed: dt.date
    released_on: dt.date | None
    tables: dict[str, list[tuple]]


def bundle_of(agencies: Iterable[Agency], *, closed: dt.date) -> Bundle:
    """The tables of these agencies, agency after agency, and the date of the newest release."""
    tables: dict[str, list[tuple]] = {name: [] for name in TABLE_NAMES}
    tables["questions"] = question_rows()
    order = {(v, code): position for v, code, position, *_ in tables["questions"]}
    released = []
    agencies = list(agencies)
    stored = published_figures_of(agencies)
    for agency in agencies:
        published = agency_tables(agency, order=order, figures=stored[agency.pk])
        for name, rows in published.tables.items():
            tables[name].extend(rows)
        if published.released_on is not None:
            released.append(published.released_on)
    return Bundle(closed, max(released, default=None), tables)


# --- Encoders ------------------------------------------------------------------------------


def _cell(column: Column, value: object) -> object:
    if column.type == "boolean" and value is not None:
        return "true" if value else "false"
    return value


def csv_text(columns: Sequence[Column], rows: Iterable[Sequence]) -> str:
    """A whole CSV file: header, then one line per row; None is an empty cell."""
    buffer = io.StringIO()
    writer = csvfiles.writer(buffer, lineterminator="\n")
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
