"""A synthetic national data set for load tests and benchmarks (`manage.py seed_scale`).

Deterministic: the same arguments (and end month) give the same rows. Bulk: rows are streamed to
PostgreSQL with COPY (psycopg 3 `cursor.copy`); other databases (the SQLite test suite) get
`bulk_create` in batches. Nothing here is used by the running site.

Synthetic agencies have slugs `scale-00001` … and are published, non-demo agencies, so they count
in the directory and in national comparisons of the database they are seeded into — which is why
the command is meant for a dedicated benchmark database, never a real one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from agencies.models import Accreditation, Agency, District, Policy
from surveys.models import Survey

from .codes import ALPHABET, CODE_LENGTH, code_digest, generate_code, normalize_code
from .models import (
    Answer,
    AnswerRollup,
    Category,
    CodeBatch,
    Feedback,
    FeedbackCode,
    ModerationDecision,
    PublicResponse,
    ScoreRollup,
)
from .rollups import rollups_rebuild

SLUG_PREFIX = "scale-"
MONTHS = 24
CITIES = [
    ("Springfield", "IL"), ("Riverside", "CA"), ("Fairview", "TN"), ("Franklin", "OH"),
    ("Greenville", "SC"), ("Bristol", "CT"), ("Clinton", "IA"), ("Georgetown", "TX"),
    ("Salem", "OR"), ("Madison", "WI"), ("Arlington", "VA"), ("Ashland", "KY"),
    ("Dover", "DE"), ("Jackson", "MS"), ("Marion", "IN"), ("Oxford", "MS"),
    ("Burlington", "VT"), ("Manchester", "NH"), ("Milton", "GA"), ("Newport", "RI"),
    ("Auburn", "AL"), ("Kingston", "NY"), ("Lexington", "MA"), ("Hudson", "WI"),
    ("Dayton", "NV"), ("Lincoln", "NE"), ("Mount Vernon", "WA"), ("Winchester", "VA"),
    ("Centerville", "UT"), ("Columbia", "MO"), ("Florence", "AZ"), ("Troy", "MI"),
]  # fmt: skip
CATEGORY_WEIGHTS = [
    (Category.CALL_FOR_HELP, 30), (Category.TRAFFIC_STOP, 25), (Category.CRIME_REPORT, 20),
    (Category.WELFARE_CHECK, 10), (Category.COMMUNITY_CONTACT, 10), (Category.OTHER, 5),
]  # fmt: skip
COMMENTS = [
    "The officer listened and explained what would happen next.",
    "It took a long time for anyone to arrive.",
    "Polite and professional from start to finish.",
    "Nobody told me why I was stopped.",
    "Thank you for checking on my neighbour.",
    "I felt rushed and not heard.",
]
RESPONSES = [
    "Thank you. We shared this with the shift supervisor.",
    "We are adding staff to the evening shift to shorten waits.",
]
# How a person answers: one of a few moods, each a distribution over 1..5 (None = doesn't apply).
MOODS = [
    [2, 3, 10, 40, 45],
    [3, 7, 20, 45, 25],
    [10, 15, 30, 30, 15],
    [35, 30, 20, 10, 5],
]
NA_RATE = 0.04  # share of answers that are "doesn't apply"
NULL = r"\N"  # NULL in COPY text format
BULK_MODELS = (Feedback, Answer, FeedbackCode, PublicResponse, AnswerRollup, ScoreRollup)


@dataclass
class SeedReport:
    agencies: int
    feedback: int
    answers: int
    codes: int
    seconds: float


Progress = Callable[[int], None]


def _noop(_: int) -> None:
    pass


def month_range(end: dt.date, count: int = MONTHS) -> list[dt.date]:
    """The `count` first-of-month dates ending with `end`'s month, oldest first."""
    months = []
    year, month = end.year, end.month
    for _ in range(count):
        months.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def spread(total: int, agencies: int, focus: Sequence[int], rng: random.Random) -> list[int]:
    """Rows per agency: the first get exactly `focus`, the rest share what is left Zipf-like."""
    if len(focus) > agencies or sum(focus) > total:
        raise ValueError("focus sizes need more agencies or more feedback than requested")
    counts = list(focus)
    rest = agencies - len(focus)
    left = total - sum(focus)
    if rest:
        weights = [1 / rank for rank in range(1, rest + 1)]
        rng.shuffle(weights)
        scale = left / sum(weights)
        shares = [int(w * scale) for w in weights]
        for i in range(left - sum(shares)):  # hand out the rounding remainder
            shares[i % rest] += 1
        counts += shares
    return counts


def seeded_code(rng: random.Random) -> str:
    bits = rng.getrandbits(5 * CODE_LENGTH)
    return "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in range(CODE_LENGTH))


def existing(prefix: str = SLUG_PREFIX) -> tuple[int, int]:
    """(agencies, feedback rows) already seeded."""
    agencies = Agency.objects.filter(slug__startswith=prefix)
    return agencies.count(), Feedback.objects.filter(agency__in=agencies).count()


def synthetic_clear() -> None:
    """Delete every synthetic agency and everything that hangs from it (set-wise, no cascade
    collection in Python)."""
    agencies = Agency.objects.filter(slug__startswith=SLUG_PREFIX)
    if not agencies.exists():
        return
    feedback = Feedback.objects.filter(agency__in=agencies)
    with transaction.atomic():
        for qs in (
            Answer.objects.filter(feedback__in=feedback),
            PublicResponse.objects.filter(feedback__in=feedback),
            ModerationDecision.objects.filter(feedback__in=feedback),
            Feedback.officers.through.objects.filter(feedback__in=feedback),
            feedback,
            AnswerRollup.objects.filter(agency__in=agencies),
            ScoreRollup.objects.filter(agency__in=agencies),
            FeedbackCode.objects.filter(agency__in=agencies),
        ):
            qs._raw_delete(qs.db)
        agencies.delete()


class _Writer:
    """Rows into one table: COPY on PostgreSQL, bulk_create elsewhere, one batch at a time.

    Each flush is its own COPY statement, so writers of several tables can be used side by side
    (foreign keys are checked at commit: Django creates them DEFERRABLE INITIALLY DEFERRED).
    """

    def __init__(self, model: type, columns: Sequence[str], batch: int = 5000):
        self.model, self.columns, self.batch = model, list(columns), batch
        self.pg = connection.vendor == "postgresql"
        self.rows: list[tuple] = []
        self.buffer: list[str] = []
        self.count = 0

    def __enter__(self) -> _Writer:
        return self

    def add(self, row: tuple) -> None:
        self.count += 1
        if self.pg:
            self.buffer.append("\t".join(_text(v) for v in row))
            if len(self.buffer) >= self.batch:
                self.flush()
        else:
            self.rows.append(row)
            if len(self.rows) >= self.batch:
                self.flush()

    def add_line(self, line: str) -> None:
        """A pre-formatted COPY text line (PostgreSQL only; the hot path for answers)."""
        self.count += 1
        self.buffer.append(line)
        if len(self.buffer) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if self.pg and self.buffer:
            cols = ", ".join(self.columns)
            sql = f"COPY {self.model._meta.db_table} ({cols}) FROM STDIN"  # noqa: S608
            with connection.cursor() as cur, cur.cursor.copy(sql) as copy:
                copy.write("\n".join(self.buffer) + "\n")
            self.buffer = []
        elif self.rows:
            objs = [self.model(**dict(zip(self.columns, row, strict=True))) for row in self.rows]
            self.model.objects.bulk_create(objs, batch_size=self.batch)
            self.rows = []

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.flush()


def _text(value: object) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, str):
        return (
            value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "")
        )
    return str(value)


def _bulk_load_mode() -> None:
    """On PostgreSQL as a superuser, skip per-row foreign-key triggers for this transaction, as
    `pg_restore --disable-triggers` does; `_check_foreign_keys` verifies them set-wise at the end.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cur.fetchone()[0]:
            cur.execute("SET LOCAL session_replication_role = replica")


def _check_foreign_keys(models: Sequence[type]) -> None:
    """Fail (and roll back) if any foreign key of these tables points at a missing row."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        for model in models:
            for f in model._meta.concrete_fields:
                if not f.is_relation:
                    continue
                target = f.related_model._meta
                cur.execute(
                    f"SELECT count(*) FROM {model._meta.db_table} t "  # noqa: S608  # nosec B608 - model table name
                    f"LEFT JOIN {target.db_table} r ON r.{target.pk.column} = t.{f.column} "
                    f"WHERE t.{f.column} IS NOT NULL AND r.{target.pk.column} IS NULL"
                )
                if missing := cur.fetchone()[0]:
                    raise ValueError(f"{missing} rows of {model.__name__}.{f.name} dangle")


@contextlib.contextmanager
def _indexes_deferred(models: Sequence[type]) -> Iterator[None]:
    """On PostgreSQL, drop these tables' secondary indexes and unique constraints during the load
    and build them again afterwards: one sort per index instead of millions of random inserts.
    Rebuilding the unique constraints re-checks them, so the data is still proven unique."""
    if connection.vendor != "postgresql":
        yield
        return
    saved: list[tuple[str, str, str, str]] = []
    with connection.cursor() as cur:
        for model in models:
            table = model._meta.db_table
            cur.execute(
                "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                "WHERE c.conrelid = %s::regclass AND c.contype = 'u' AND NOT EXISTS ("
                " SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)",
                [table],
            )
            saved += [("constraint", table, name, d) for name, d in cur.fetchall()]
            cur.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
                [table],
            )
            saved += [("index", table, name, d) for name, d in cur.fetchall()]
        for kind, table, name, _ in saved:
            if kind == "constraint":
                cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            else:
                cur.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cur:
        cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for kind, table, name, definition in saved:
            if kind == "constraint":
                cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            else:
                cur.execute(definition)


def _reserve_ids(model: type, count: int) -> int:
    """First of `count` consecutive primary keys nobody else will be given."""
    if connection.vendor != "postgresql":
        last = model.objects.order_by("-id").values_list("id", flat=True).first() or 0
        return last + 1
    table = model._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")  # noqa: S608
        cur.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608  # nosec B608 - model table name
        start = cur.fetchone()[0] + 1
        cur.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, start + count - 1]
        )
    return start


@transaction.atomic
def synthetic_seed(
    *,
    agencies: int,
    feedback: int,
    seed: int,
    focus: Sequence[int] = (),
    end_month: dt.date,
    unused_codes_ratio: float = 0.5,
    progress: Progress = _noop,
    log: Callable[[str], None] = lambda _: None,
) -> SeedReport:
    """Create `agencies` agencies and `feedback` responses with answers, codes and rollups."""
    started = last = time.monotonic()

    def phase(name: str) -> None:
        nonlocal last
        now = time.monotonic()
        log(f"{name}: {now - last:.1f} s")
        last = now

    _bulk_load_mode()
    rng = random.Random(seed)
    counts = spread(feedback, agencies, focus, rng)
    agency_objs, districts = _seed_agencies(agencies)
    phase("agencies")
    with _indexes_deferred(BULK_MODELS):
        answers = _seed_feedback(
            agency_objs, counts, districts, month_range(end_month), rng, progress
        )
        phase("feedback and answers")
        codes = _seed_codes(agency_objs, counts, unused_codes_ratio, end_month, rng)
        phase("codes")
        rollups_rebuild()
        phase("rollups")
    phase("indexes")
    _check_foreign_keys(BULK_MODELS)
    phase("checks")
    return SeedReport(
        agencies=agencies,
        feedback=feedback,
        answers=answers,
        codes=codes,
        seconds=time.monotonic() - started,
    )


def _seed_agencies(count: int) -> tuple[list[Agency], dict[int, list[int]]]:
    """Published agencies with districts, policies and some accreditations."""
    objs = []
    for i in range(count):
        city, state = CITIES[i % len(CITIES)]
        objs.append(
            Agency(
                name=f"{city} Police Department {i + 1:05d}",
                slug=f"{SLUG_PREFIX}{i + 1:05d}",
                city=city,
                state=state,
                published=True,
                welcome_message="Thank you for telling us how we did. We read every response.",
                welcome_by="Chief of Police",
            )
        )
    Agency.objects.bulk_create(objs, batch_size=2000)
    ids = dict(Agency.objects.filter(slug__startswith=SLUG_PREFIX).values_list("slug", "id"))
    for a in objs:  # not every backend returns keys from bulk_create
        a.pk = ids[a.slug]
    District.objects.bulk_create(
        [
            District(agency=a, name=f"District {d + 1}", code=f"D{d + 1}")
            for i, a in enumerate(objs)
            for d in range(1 + i % 5)
        ],
        batch_size=5000,
    )
    districts: dict[int, list[int]] = {}
    for agency_id, district_id in (
        District.objects.filter(agency__in=objs).order_by("id").values_list("agency_id", "id")
    ):
        districts.setdefault(agency_id, []).append(district_id)
    policies = (
        (Policy.Kind.USE_OF_FORCE, "Use of force"),
        (Policy.Kind.DUTY_TO_INTERVENE, "Duty to intervene"),
        (Policy.Kind.COMPLAINTS, "How to make a complaint"),
    )
    Policy.objects.bulk_create(
        [
            Policy(agency=a, kind=kind, title=title, summary="Published policy summary.")
            for a in objs
            for kind, title in policies
        ],
        batch_size=5000,
    )
    Accreditation.objects.bulk_create(
        [
            Accreditation(agency=a, body="State accreditation program", status="accredited")
            for a in objs[::3]
        ],
        batch_size=5000,
    )
    return objs, districts


FEEDBACK_COLUMNS = [
    "id", "agency_id", "survey_id", "category", "district_id", "interaction_month",
    "submitted_on", "language", "verified", "comment", "publish_consent", "moderation_state",
    "withheld_reason", "published_text", "published_on", "age_band", "race_ethnicity", "gender",
]  # fmt: skip
AGES = ["under_25", "25_44", "45_64", "65_plus", "prefer_not", ""]
RACES = ["white", "black", "hispanic", "asian", "multiple", "prefer_not", ""]
GENDERS = ["woman", "man", "nonbinary", "prefer_not", ""]


def _comment(rng: random.Random, submitted: dt.date) -> tuple:
    """(comment, consent, moderation state, withheld reason, published text, published on)."""
    roll = rng.random()
    if roll >= 0.12:
        return "", False, "none", "", "", None
    comment = rng.choice(COMMENTS)
    if roll < 0.06:
        return comment, True, "published", "", comment, submitted
    if roll < 0.07:
        return comment, True, "withheld", "personal_data", "", None
    if roll < 0.09:
        return comment, True, "pending", "", "", None
    return comment, False, "private", "", "", None


def _seed_feedback(
    agency_objs: Sequence[Agency],
    counts: Sequence[int],
    districts: dict[int, list[int]],
    months: Sequence[dt.date],
    rng: random.Random,
    progress: Progress,
) -> int:
    """Feedback rows, their answers and some public responses; return the number of answers."""
    survey = Survey.objects.current()
    questions = list(survey.questions.order_by("order").values_list("id", flat=True))
    cats = [c for c, _ in CATEGORY_WEIGHTS]
    cat_cum = _cumulative([w for _, w in CATEGORY_WEIGHTS])
    month_cum = _cumulative([10 + i for i in range(len(months))])  # adoption grows over time
    mood_cum = [_cumulative(m) for m in MOODS]
    last_day = months[-1].replace(day=28)
    pg = connection.vendor == "postgresql"
    fid = _reserve_ids(Feedback, sum(counts)) - 1
    answers = 0
    with (
        _Writer(Feedback, FEEDBACK_COLUMNS) as fw,
        _Writer(Answer, ["feedback_id", "question_id", "value"], batch=20000) as aw,
        _Writer(PublicResponse, ["feedback_id", "body", "body_es", "published_on"]) as rw,
    ):
        for agency, n in zip(agency_objs, counts, strict=True):
            mood_bias = rng.random()  # agencies differ: some are liked more than others
            own = districts.get(agency.pk, [])
            for _ in range(n):
                fid += 1
                month = months[_pick(rng, month_cum)]
                submitted = min(month + dt.timedelta(days=rng.randrange(45)), last_day)
                comment = _comment(rng, submitted)
                if comment[2] == "published" and rng.random() < 0.1:
                    rw.add((fid, rng.choice(RESPONSES), "", submitted))
                district = rng.choice(own) if own and rng.random() < 0.8 else None
                fw.add(
                    (
                        fid, agency.pk, survey.pk, cats[_pick(rng, cat_cum)], district, month,
                        submitted, "es" if rng.random() < 0.15 else "en", rng.random() < 0.8,
                        *comment, rng.choice(AGES), rng.choice(RACES), rng.choice(GENDERS),
                    )
                )  # fmt: skip
                mood = mood_cum[min(3, int((rng.random() + mood_bias) * 2))]
                drawn = rng.choices((1, 2, 3, 4, 5), cum_weights=mood, k=len(questions))
                for qid, value in zip(questions, drawn, strict=True):
                    r = rng.random()
                    if r < 0.02:
                        continue  # a skipped item has no answer row
                    na = r < 0.02 + NA_RATE  # "doesn't apply"
                    if pg:
                        aw.add_line(f"{fid}\t{qid}\t{NULL if na else value}")
                    else:
                        aw.add((fid, qid, None if na else value))
                    answers += 1
                if fw.count % 10000 == 0:
                    progress(10000)
        progress(fw.count % 10000)
    return answers


def _seed_codes(
    agency_objs: Sequence[Agency],
    counts: Sequence[int],
    unused_ratio: float,
    end_month: dt.date,
    rng: random.Random,
) -> int:
    """One redeemed code per response plus unused ones, in one blank batch per agency."""
    batches = CodeBatch.objects.bulk_create(
        [
            CodeBatch(agency=a, kind=CodeBatch.Kind.BLANK, size=n + int(n * unused_ratio))
            for a, n in zip(agency_objs, counts, strict=True)
        ],
        batch_size=5000,
    )
    if any(b.pk is None for b in batches):
        ids = dict(CodeBatch.objects.filter(agency__in=agency_objs).values_list("agency_id", "id"))
        for b in batches:
            b.pk = b.id = ids[b.agency_id]
    expires = end_month + dt.timedelta(days=settings.FEEDBACK_CODE_DAYS)
    total = 0
    cols = ["digest", "agency_id", "batch_id", "expires_on", "redeemed"]
    with _Writer(FeedbackCode, cols, batch=20000) as cw:
        for agency, batch, n in zip(agency_objs, batches, counts, strict=True):
            for i in range(n + int(n * unused_ratio)):
                cw.add((code_digest(seeded_code(rng)), agency.pk, batch.pk, expires, i < n))
                total += 1
    return total


def synthetic_vacuum() -> None:
    """VACUUM ANALYZE the loaded tables (PostgreSQL, outside any transaction): statistics for the
    planner and a visibility map for index-only scans, as autovacuum would give a live site."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cur:
        for model in (*BULK_MODELS, Agency, District):
            cur.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")  # noqa: S608


def synthetic_fresh_codes(*, count: int, path: Path, days: int = 7) -> int:
    """Create `count` new unused codes over the synthetic agencies (except the first two, whose
    pages are compared) and write their plaintext to `path`, for load tests only."""
    agency_ids = list(
        Agency.objects.filter(slug__startswith=SLUG_PREFIX)
        .order_by("slug")
        .values_list("id", flat=True)[2:]
    )
    if not agency_ids:
        raise ValueError("no synthetic agencies: run seed_scale first")
    expires = dt.date.today() + dt.timedelta(days=days)
    codes = [generate_code() for _ in range(count)]
    with (
        transaction.atomic(),
        _Writer(FeedbackCode, ["digest", "agency_id", "expires_on", "redeemed"], batch=20000) as cw,
    ):
        for i, code in enumerate(codes):
            cw.add(
                (code_digest(normalize_code(code)), agency_ids[i % len(agency_ids)], expires, False)
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{c}\n" for c in codes))
    path.chmod(0o600)
    return count


def _cumulative(weights: Sequence[float]) -> list[float]:
    out, acc = [], 0.0
    for w in weights:
        acc += w
        out.append(acc)
    return out


def _pick(rng: random.Random, cum: Sequence[float]) -> int:
    return rng.choices(range(len(cum)), cum_weights=cum)[0]
