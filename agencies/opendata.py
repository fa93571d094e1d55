"""Open data: the columns, the Frictionless data package that describes them, streaming encoders.

Pure: rows come in as tuples in column order, text goes out in chunks. What may be in a row is decided by
surveys/disclosure.py (k-anonymous quasi-identifiers) and agencies/exports.py (which rows).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from . import csvfiles

LICENSE = {
    "name": "CC-BY-4.0",
    "path": "https://creativecommons.org/licenses/by/4.0/",
    "title": "Creative Commons Attribution 4.0 International",
}
LICENSE_STATEMENT = (
    "Licensed under CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/). "
    "Responses from people who chose to answer after contact with the agency; not a community-wide "
    "poll. Rows are k-anonymous over period, district, call category and language."
)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    constraints: dict | None = None

    def field(self) -> dict:
        out = {"name": self.name, "type": self.type, "description": self.description}
        if self.constraints:
            out["constraints"] = self.constraints
        return out


ANSWER_DESCRIPTION = (
    "Answer to question {code} ({pillar}): 1 = strongly disagree / very dissatisfied ... "
    "5 = strongly agree / very satisfied; 0 = doesn't apply; empty when not asked in this "
    "survey version. Question: {text}"
)


def response_columns(questions: Sequence[tuple[str, str, str]]) -> list[Column]:
    """Columns of the incident-level file; `questions` are (code, pillar, English text)."""
    return [
        Column("agency", "string", "Agency identifier (slug).", {"required": True}),
        Column("agency_name", "string", "Agency name.", {"required": True}),
        Column(
            "period",
            "string",
            "Month of the contact (YYYY-MM), or coarsened to a quarter (YYYY-Qn) or a year "
            "(YYYY) so that at least k rows share the same period, district, category and "
            "language.",
            {"required": True, "pattern": r"\d{4}(-\d{2}|-Q[1-4])?"},
        ),
        Column(
            "district",
            "string",
            "District of the contact; empty when coarsened to the whole agency.",
        ),
        Column(
            "call_category",
            "string",
            "Kind of contact (traffic_stop, call_for_help, welfare_check, crime_report, "
            "community_contact, other); empty when withheld for anonymity.",
        ),
        Column(
            "language",
            "string",
            "Language the survey was answered in (en, es); empty when withheld for anonymity.",
        ),
        Column(
            "verified",
            "boolean",
            "True when the code was issued for a recorded service call.",
            {"required": True},
        ),
        Column("survey_version", "integer", "Version of the survey answered.", {"required": True}),
        *(
            Column(
                f"q_{code}",
                "integer",
                ANSWER_DESCRIPTION.format(code=code, pillar=pillar, text=text),
                {"minimum": 0, "maximum": 5},
            )
            for code, pillar, text in questions
        ),
        Column(
            "comment",
            "string",
            "The respondent's comment as published after moderation (personal data redacted); "
            "empty when there is none or it was not published.",
        ),
    ]


AGGREGATE_COLUMNS = [
    Column("agency", "string", "Agency identifier (slug).", {"required": True}),
    Column("agency_name", "string", "Agency name.", {"required": True}),
    Column(
        "period_start",
        "string",
        "First month of the release block (YYYY-MM). Months are merged into blocks of at "
        "least k responses.",
        {"required": True, "pattern": r"\d{4}-\d{2}"},
    ),
    Column(
        "period_end", "string", "Last month of the release block (YYYY-MM).", {"required": True}
    ),
    Column(
        "call_category",
        "string",
        "Call category of the cell; empty for all contacts in the block.",
    ),
    Column(
        "measure",
        "string",
        "trust (trust index), voice, respect, neutrality, motives or outcome.",
        {
            "required": True,
            "enum": ["trust", "voice", "respect", "neutrality", "motives", "outcome"],
        },
    ),
    Column("responses", "integer", "People who responded in the block.", {"required": True}),
    Column("n", "integer", "People with a score on this measure in the cell.", {"required": True}),
    Column("mean", "number", "Mean score, 0-100.", {"required": True}),
    Column("ci_low", "number", "Lower bound of the 95 % t interval (0-100)."),
    Column("ci_high", "number", "Upper bound of the 95 % t interval (0-100)."),
]


def datapackage(
    *, name: str, title: str, questions: Sequence[tuple[str, str, str]], k: int
) -> dict:
    """The Frictionless data package descriptor for one agency's files or for all agencies."""

    def resource(res_name: str, path: str, columns: Sequence[Column], description: str) -> dict:
        return {
            "name": res_name,
            "path": path,
            "profile": "tabular-data-resource",
            "format": "csv",
            "mediatype": "text/csv",
            "encoding": "utf-8",
            "description": description,
            "schema": {"fields": [c.field() for c in columns]},
        }

    return {
        "profile": "tabular-data-package",
        "name": name,
        "title": title,
        "description": (
            "Anonymous feedback on police contacts, scored on the four pillars of procedural "
            f"justice. k = {k}: no published group rests on fewer than {k} responses. "
            + LICENSE_STATEMENT
        ),
        "licenses": [LICENSE],
        "resources": [
            resource(
                "responses",
                "responses.csv",
                response_columns(questions),
                "One row per response, with coarsened quasi-identifiers.",
            ),
            resource(
                "aggregates",
                "aggregates.csv",
                AGGREGATE_COLUMNS,
                "Scores per release block (and per call category where enough people answered).",
            ),
        ],
    }


def csv_stream(
    columns: Sequence[Column], rows: Iterable[Sequence], *, size: int = 64 * 1024
) -> Iterator[str]:
    """Yield the header and then the rows as CSV, in chunks of about `size` characters.

    Rows are sequences in column order, never held beyond a chunk. None is written as an empty
    cell (csv's own rule) and booleans as true/false.
    """
    flags = [i for i, c in enumerate(columns) if c.type == "boolean"]
    buffer = io.StringIO()
    writer = csvfiles.writer(buffer, lineterminator="\n")
    writer.writerow([c.name for c in columns])
    for row in rows:
        if flags:
            row = list(row)
            for i in flags:
                row[i] = "true" if row[i] else "false"
        writer.writerow(row)
        if buffer.tell() >= size:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def json_stream(
    columns: Sequence[Column], rows: Iterable[Sequence], *, meta: dict
) -> Iterator[str]:
    """Yield a JSON object {meta..., "rows": [...]} without holding the rows in memory.

    Each row, a sequence in column order, becomes an object keyed by the column names.
    """
    names = [c.name for c in columns]
    encode = json.JSONEncoder(ensure_ascii=False).encode  # what json.dumps builds per call

    def pieces() -> Iterator[str]:
        head = encode(meta)[:-1]  # drop the closing brace
        yield head + (', "rows": [' if meta else '"rows": [')
        separator = "\n"
        for row in rows:
            yield separator + encode(dict(zip(names, row, strict=True)))
            separator = ",\n"
        yield "\n]}\n"

    return _chunked(pieces())


def _chunked(pieces: Iterable[str], size: int = 64 * 1024) -> Iterator[str]:
    """Join small pieces into chunks of about `size` characters (fewer writes per response)."""
    buffer: list[str] = []
    length = 0
    for piece in pieces:
        buffer.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer)
