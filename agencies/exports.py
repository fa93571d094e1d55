"""Open-data rows: which responses may be published, with which coarsened fields, in what order.

Rows are streamed class by class (one class = rows sharing the same published quasi-identifiers);
inside a class they are ordered by their content, never by id or date, so a row's position says
nothing about when it was submitted. Memory is bounded by the largest class, not the file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from feedback.models import Answer, Feedback, ModerationDecision
from surveys.disclosure import add_months, generalisation
from surveys.models import Question

from . import reads
from .figures import MEASURES, block_cells, blocks_of
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
    blocks = blocks_of(reads.score_rows(agency), k=reads.k_min(), closed=closed)
    return blocks[-1].end if blocks else None


def _combo_filter(combos: Iterable[tuple[dt.date, str, str, str]]) -> Q:
    q = Q()
    for month, district, category, language in combos:
        where = Q(interaction_month=month, category=category, language=language)
        where &= Q(district__name=district) if district else Q(district__isnull=True)
        q |= where
    return q


def response_rows(agency: Agency, *, closed: dt.date, codes: dict[int, str]) -> Iterator[dict]:
    """The agency's k-anonymous incident-level rows (see module docstring)."""
    through = released_through(agency, closed)
    if through is None:
        return
    feedback = Feedback.objects.filter(agency=agency, interaction_month__lte=through)
    counts = {
        (month, district or "", category, language): c
        for month, district, category, language, c in feedback.values_list(
            "interaction_month", "district__name", "category", "language"
        )
        .annotate(c=Count("id"))
        .order_by()
    }
    mapping = generalisation(counts, k=reads.k_min(), released_through=through)
    classes: dict[tuple[str, str, str, str], list] = defaultdict(list)
    for combo, key in mapping.items():
        classes[key].append(combo)
    columns = [f"q_{code}" for code in dict.fromkeys(codes.values())]
    slot = {qid: columns.index(f"q_{code}") for qid, code in codes.items()}
    for key in sorted(classes):
        period, district, category, language = key
        members = feedback.filter(_combo_filter(classes[key]))
        # One query for the class's answers (joined, no id lists), one for its rows.
        answers: dict[int, list[int | None]] = {}
        for feedback_id, question_id, value in (
            Answer.objects.filter(feedback__in=members)
            .values_list("feedback_id", "question_id", "value")
            .order_by()
        ):
            answers.setdefault(feedback_id, [None] * len(columns))[slot[question_id]] = value or 0
        content = []
        for feedback_id, verified, version, state, text in members.values_list(
            "id", "verified", "survey__version", "moderation_state", "published_text"
        ).order_by():
            values = answers.get(feedback_id) or [None] * len(columns)
            comment = text if state == Feedback.Moderation.PUBLISHED else ""
            content.append((verified, version, values, comment))
        # Ordered by content (None sorts as -1), never by id: position reveals nothing.
        content.sort(key=lambda c: (c[0], c[1], [-1 if v is None else v for v in c[2]], c[3]))
        for verified, version, values, comment in content:
            yield {
                "agency": agency.slug,
                "agency_name": agency.name,
                "period": period,
                "district": district,
                "call_category": category,
                "language": language,
                "verified": verified,
                "survey_version": version,
                **dict(zip(columns, values, strict=True)),
                "comment": comment,
            }


def aggregate_rows(agency: Agency, *, closed: dt.date) -> Iterator[dict]:
    order = {m: i for i, m in enumerate(MEASURES)}
    cells = block_cells(reads.score_rows(agency), k=reads.k_min(), closed=closed)
    for cell in sorted(cells, key=lambda c: (c.block.start, c.category, order[c.measure])):
        est = cell.estimate
        yield {
            "agency": agency.slug,
            "agency_name": agency.name,
            "period_start": f"{cell.block.start:%Y-%m}",
            "period_end": f"{cell.block.end:%Y-%m}",
            "call_category": cell.category,
            "measure": cell.measure,
            "responses": cell.block.n,
            "n": est.n,
            "mean": round(est.value, 2),
            "ci_low": None if est.low is None else round(est.low, 2),
            "ci_high": None if est.high is None else round(est.high, 2),
        }


def release_date(closed: dt.date) -> dt.date:
    """The day `closed` became the last closed month (its last codes had expired)."""
    return add_months(closed, 1) + dt.timedelta(days=settings.FEEDBACK_CODE_DAYS)


def question_codes() -> dict[int, str]:
    return dict(Question.objects.values_list("pk", "code"))


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
