"""Open-data rows: which responses may be published, with which coarsened fields, in what order.

Rows come class by class (one class = rows sharing the same published quasi-identifiers); inside
a class they are ordered by their content, never by id or date, so a row's position says nothing
about when it was submitted. One query per agency returns its rows grouped, pivoted and ordered
by the database, read in chunks: a worker's memory is bounded by a chunk, not a class or the file.
Rows are tuples in the order of the file's columns (see agencies/opendata.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, QuerySet, Sum
from django.utils import timezone

from feedback.models import Answer, Feedback, ModerationDecision, ScoreRollup
from surveys.disclosure import Combination, add_months, generalisation
from surveys.models import Question

from . import reads
from .figures import MEASURES, TRUST, ScoreRow, block_cells, blocks_of
from .models import Agency


def question_columns() -> list[tuple[str, str, str]]:
    """(code, pillar, English text) for every question code of every survey version, once."""
    seen: dict[str, tuple[str, str, str]] = {}
    for code, pillar, text in Question.objects.order_by("-survey__version", "order").values_list(
        "code", "pillar", "text_en"
    ):
        seen.setdefault(code, (code, pillar, text))
    return list(seen.values())


def released_through(agency: Agency, closed: dt.date) -> dt.date | None:
    """The last month of the agency's last release block (rows after it are not published)."""
    return _released_through([agency.pk], closed).get(agency.pk)


def _released_through(agency_ids: Sequence[int], closed: dt.date) -> dict[int, dt.date]:
    """`released_through` of several agencies in one query; agencies with no block are left out."""
    rows: dict[int, list[ScoreRow]] = defaultdict(list)
    for agency_id, *values in ScoreRollup.objects.filter(
        agency_id__in=agency_ids, measure=TRUST
    ).values_list(
        "agency_id", "month", "category", "measure", "responses", "n", "total", "total_sq"
    ):
        rows[agency_id].append(ScoreRow(*values))
    through = {}
    for agency_id, items in rows.items():
        blocks = blocks_of(items, k=reads.k_min(), closed=closed)  # only reads TRUST rows
        if blocks:
            through[agency_id] = blocks[-1].end
    return through


# Agencies are prepared this many at a time (two queries), so the national file costs a few
# queries per few hundred agencies rather than several per agency.
AGENCIES_PER_GROUP = 500
# One query returns about this many rows, already pivoted and sorted: small classes and agencies
# share a query, a large agency is split at class boundaries. A query reads every row of its
# months (the index is on agency and month), so larger batches re-read fewer split months: at
# 20 k rows the 1 M-row bench agency read 3.5x its rows, at 100 k 1.5x; the sort (~15 MB) is
# PostgreSQL's, the worker only holds CHUNK_ROWS.
ROWS_PER_QUERY = 100_000
# Rows are read in chunks from a server-side cursor (PostgreSQL): a worker holds one chunk.
CHUNK_ROWS = 2_000
# Answers are packed into integers for sorting: 3 bits per question code (0 = not asked,
# 1 = doesn't apply, 2-6 = values 1-5), 21 codes per 63-bit key.
CODES_PER_KEY = 21


@dataclass(frozen=True)
class _Class:
    """One published class: rows of one agency sharing the same published quasi-identifiers."""

    agency: Agency
    key: tuple[str, str, str, str]  # published period, district, category, language
    members: list[tuple[dt.date, int, str, str]]  # month, district id (0: none), category, language
    rows: int


def _classes(agencies: Sequence[Agency], closed: dt.date) -> Iterator[_Class]:
    """The agencies' published classes in file order: agency by agency, classes by their values."""
    through = _released_through([a.pk for a in agencies], closed)
    counts: dict[int, dict[Combination, int]] = defaultdict(lambda: defaultdict(int))
    district_ids: dict[tuple[int, Combination], list[int]] = defaultdict(list)
    for agency_id, month, district_id, district, category, language, c in (
        Feedback.objects.filter(agency_id__in=list(through))
        .values_list(
            "agency_id",
            "interaction_month",
            "district_id",
            "district__name",
            "category",
            "language",
        )
        .annotate(c=Count("id"))
        .order_by()
    ):
        if month > through[agency_id]:
            continue
        # The k-rule groups districts by their published name; rows are fetched by district id.
        combo = (month, district or "", category, language)
        counts[agency_id][combo] += c
        district_ids[(agency_id, combo)].append(district_id or 0)
    for agency in agencies:
        if agency.pk not in through:
            continue
        mapping = generalisation(
            counts[agency.pk], k=reads.k_min(), released_through=through[agency.pk]
        )
        members: dict[tuple[str, str, str, str], list] = defaultdict(list)
        sizes: dict[tuple[str, str, str, str], int] = defaultdict(int)
        for combo, key in mapping.items():
            month, _, category, language = combo
            members[key] += [
                (month, d, category, language) for d in district_ids[(agency.pk, combo)]
            ]
            sizes[key] += counts[agency.pk][combo]
        for key in sorted(members):
            yield _Class(agency, key, members[key], sizes[key])


def _batches(classes: Iterable[_Class]) -> Iterator[list[_Class]]:
    """Consecutive classes fetched by one query each (about ROWS_PER_QUERY rows)."""
    batch: list[_Class] = []
    rows = 0
    for item in classes:
        if batch and rows + item.rows > ROWS_PER_QUERY:
            yield batch
            batch, rows = [], 0
        batch.append(item)
        rows += item.rows
    if batch:
        yield batch


def _classes_sql(vendor: str) -> str:
    """A relation classes(agency, month, district, category, language, rank) from parameters.

    It maps every published combination of quasi-identifiers to the rank of its class in the
    batch, so one query returns the rows grouped and ordered. Arrays (PostgreSQL) or one JSON
    text (SQLite) rather than a VALUES list: a batch can hold tens of thousands of combinations,
    more than either database accepts as separate parameters.
    """
    if vendor == "postgresql":
        return (
            "SELECT * FROM unnest(%s::bigint[], %s::date[], %s::bigint[], %s::text[], %s::text[],"
            " %s::int[]) AS c(agency, month, district, category, language, rank)"
        )
    if vendor == "sqlite":
        return (
            "SELECT json_extract(value, '$[0]') AS agency, json_extract(value, '$[1]') AS month,"
            " json_extract(value, '$[2]') AS district, json_extract(value, '$[3]') AS category,"
            " json_extract(value, '$[4]') AS language, json_extract(value, '$[5]') AS rank"
            " FROM json_each(%s)"
        )
    raise NotImplementedError(f"open-data export on {vendor}")


def _classes_params(vendor: str, batch: Sequence[_Class]) -> list:
    rows = [
        (item.agency.pk, month, district, category, language, rank)
        for rank, item in enumerate(batch)
        for month, district, category, language in item.members
    ]
    if vendor == "postgresql":
        return [list(column) for column in zip(*rows, strict=True)]
    return [json.dumps([(a, m.isoformat(), *rest) for a, m, *rest in rows])]


def _rows_sql(vendor: str, *, agencies: int, keys: Sequence[int], whens: Sequence[int]) -> str:
    """Each row of a batch: class rank, verified, survey version, answers, comment; in file order.

    Answers are pivoted without a column per aggregate: each answer adds its digit (see
    CODES_PER_KEY) times its code's place value to a per-feedback sum, one sum per key (`keys`:
    how many codes each covers, `whens`: how many questions). Comparing the sums compares the
    answers column by column, "not asked" before "doesn't apply" (0) before 1-5, and the digits
    unpack into the columns.
    The comment is compared by code point, Python's str order (PostgreSQL's default collation
    would put "apple" before "Zebra").
    """
    q = connection.ops.quote_name
    fb, answers = q(Feedback._meta.db_table), q(Answer._meta.db_table)
    survey = q(Feedback._meta.get_field("survey").related_model._meta.db_table)
    # One correlated sum per key: an index lookup per row, no GROUP BY (nor its sort) over answers.
    # The table name comes from the model, values are parameters (hence the noqa/nosec below).
    digits = (
        "CAST(COALESCE(SUM((COALESCE(a.value, 0) + 1)"
        " * CAST(CASE a.question_id{} END AS BIGINT)), 0) AS BIGINT)"
    )
    sums = "".join(
        f"(SELECT {d} FROM {answers} a WHERE a.feedback_id = f.id) AS k{g}, "  # noqa: S608  # nosec B608
        for g, d in enumerate(digits.format(" WHEN %s THEN %s" * n) for n in whens)
    )
    unpack = "".join(
        f"NULLIF((r.k{g} >> {3 * (n - 1 - i)}) & 7, 0) - 1, "
        for g, n in enumerate(keys)
        for i in range(n)
    )
    key_order = "".join(f"r.k{g}, " for g in range(len(keys)))
    if vendor == "postgresql":
        # An array, not an IN list: IN (1) becomes "= 1", which the planner copies onto
        # classes.agency and then misjudges classes as one row (a nested loop over it).
        agency_filter, fence, collate = "f.agency_id = ANY(%s)", "OFFSET 0", ' COLLATE "C"'
        materialized = ""
    else:
        agency_filter = f"f.agency_id IN ({', '.join(['%s'] * agencies)})"
        fence, collate = "LIMIT -1 OFFSET 0", ""  # SQLite compares text bytes already
        # Materialised, SQLite indexes the classes for the join instead of re-reading the JSON
        # for every row (4x faster at 8 k rows). PostgreSQL hashes them anyway.
        materialized = "MATERIALIZED "
    return f"""
        WITH classes AS {materialized}({_classes_sql(vendor)})
        SELECT r.rank, r.verified, r.version, {unpack}r.comment
        FROM (
            SELECT c.rank, f.verified, s.version, {sums}
                   CASE WHEN f.moderation_state = %s THEN f.published_text ELSE '' END AS comment
            FROM (
                -- Read the batch's months once; joined per class, the index on (agency, month)
                -- would be walked again for every combination of the month.
                SELECT id, agency_id, interaction_month, COALESCE(district_id, 0) AS district,
                       category, language, verified, survey_id, moderation_state, published_text
                FROM {fb} f
                WHERE {agency_filter} AND interaction_month BETWEEN %s AND %s
                {fence}
            ) f
            JOIN classes c ON c.agency = f.agency_id AND c.month = f.interaction_month
                AND c.district = f.district AND c.category = f.category
                AND c.language = f.language
            JOIN {survey} s ON s.id = f.survey_id
            {fence}
        ) r
        ORDER BY r.rank, r.verified, r.version, {key_order}r.comment{collate}
    """  # noqa: S608  # nosec B608 - table names come from the models, values are parameters


def response_rows(
    agencies: Iterable[Agency], *, closed: dt.date, codes: dict[int, str]
) -> Iterator[tuple]:
    """The agencies' k-anonymous incident-level rows, agency after agency (see module docstring).

    Each row is a tuple in the order of `opendata.response_columns`, with one answer column per
    distinct code of `codes` (question pk -> code) in the order the codes first appear there.
    """
    columns = list(dict.fromkeys(codes.values()))
    keys = [len(columns[i : i + CODES_PER_KEY]) for i in range(0, len(columns), CODES_PER_KEY)]
    places: list[list[int]] = [[] for _ in keys]  # per key: question pk, its digit's place value
    for pk, code in codes.items():
        g, i = divmod(columns.index(code), CODES_PER_KEY)
        places[g] += [pk, 8 ** (keys[g] - 1 - i)]
    whens = [len(p) // 2 for p in places]
    vendor = connection.vendor
    server_side = not connection.settings_dict.get("DISABLE_SERVER_SIDE_CURSORS")
    agencies = list(agencies)
    for start in range(0, len(agencies), AGENCIES_PER_GROUP):
        for batch in _batches(_classes(agencies[start : start + AGENCIES_PER_GROUP], closed)):
            ids = list(dict.fromkeys(item.agency.pk for item in batch))
            months = [month for item in batch for month, *_ in item.members]
            params = [
                *_classes_params(vendor, batch),
                *(v for p in places for v in p),
                Feedback.Moderation.PUBLISHED,
                *([ids] if vendor == "postgresql" else ids),
                min(months),
                max(months),
            ]
            # The published values of each class, with verified (0/1 on SQLite) as a boolean.
            prefixes = [
                (
                    (item.agency.slug, item.agency.name, *item.key, False),
                    (item.agency.slug, item.agency.name, *item.key, True),
                )
                for item in batch
            ]
            with connection.chunked_cursor() if server_side else connection.cursor() as cursor:
                cursor.execute(_rows_sql(vendor, agencies=len(ids), keys=keys, whens=whens), params)
                while chunk := cursor.fetchmany(CHUNK_ROWS):
                    for row in chunk:
                        yield prefixes[row[0]][row[1]] + row[2:]


def aggregate_rows(agency: Agency, *, closed: dt.date) -> Iterator[tuple]:
    """The agency's released block cells, in the order of `opendata.AGGREGATE_COLUMNS`."""
    order = {m: i for i, m in enumerate(MEASURES)}
    cells = block_cells(reads.score_rows(agency), k=reads.k_min(), closed=closed)
    for cell in sorted(cells, key=lambda c: (c.block.start, c.category, order[c.measure])):
        est = cell.estimate
        yield (
            agency.slug,
            agency.name,
            f"{cell.block.start:%Y-%m}",
            f"{cell.block.end:%Y-%m}",
            cell.category,
            cell.measure,
            cell.block.n,
            est.n,
            round(est.value, 2),
            None if est.low is None else round(est.low, 2),
            None if est.high is None else round(est.high, 2),
        )


def release_date(closed: dt.date) -> dt.date:
    """The day `closed` became the last closed month (its last codes had expired)."""
    return add_months(closed, 1) + dt.timedelta(days=settings.FEEDBACK_CODE_DAYS)


def question_codes() -> dict[int, str]:
    """Question pk -> code, in the order of `question_columns` (newest version first)."""
    return dict(Question.objects.order_by("-survey__version", "order").values_list("pk", "code"))


def export_validators(agencies: QuerySet[Agency], closed: dt.date) -> tuple[str, dt.datetime]:
    """ETag and Last-Modified of the open-data files of these agencies.

    The ETag fingerprints everything the files depend on: the k-rule's settings, the closed month,
    which agencies and their profiles, the rows up to that month and every moderation decision.
    """
    profiles = agencies.aggregate(n=Count("pk"), ids=Sum("pk"), at=Max("updated_at"))
    rows = Feedback.objects.filter(agency__in=agencies, interaction_month__lte=closed).aggregate(
        n=Count("id"), last=Max("id")
    )
    decisions = ModerationDecision.objects.filter(feedback__agency__in=agencies).aggregate(
        n=Count("id"), last=Max("id"), at=Max("decided_at")
    )
    fingerprint = repr(
        (reads.k_min(), settings.FEEDBACK_CODE_DAYS, closed, profiles, rows, decisions)
    )
    etag = '"' + hashlib.sha256(fingerprint.encode()).hexdigest()[:32] + '"'
    released = dt.datetime.combine(release_date(closed), dt.time(), tzinfo=dt.UTC)
    candidates = [released] + [t for t in (profiles["at"], decisions["at"]) if t is not None]
    return etag, min(max(candidates), timezone.now())
