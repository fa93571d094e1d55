"""The release engine: which blocks are released, when, and their stored figures.

A month *closes* `FEEDBACK_CODE_DAYS` days after it ends: no code for a call in it is valid any
longer (codes_issue caps every code at that day), so its responses can no longer change. Each day
`manage.py release_blocks` (`releases_run`) merges each agency's newly closed months forward into
blocks of >= k responses, computes each new block's figures once (agencies/figures.py) and stores
them (ReleaseBlock), then stores what the agency's pages show for the closed month (AgencyRelease:
windows of whole blocks and the comparison). Pages, open data and staff results read only these
rows (`released_view`). Running twice changes nothing; `releases_rebuild` is the operator's way to
recompute everything (after a change of k or of how figures are defined).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from agencies.cache import agency_data_changed, figures_changed
from agencies.figures import (
    HEADLINE_MONTHS,
    TREND_MONTHS,
    BlockPeople,
    Person,
    block_figures,
    closed_through,
    comparison_json,
    estimate_of,
    headline_range,
    month_closes_on,
    window_figures,
)
from agencies.models import Agency, Officer
from surveys.disclosure import add_months, release_blocks
from surveys.scoring import person_row, person_scores

from .models import (
    AgencyRelease,
    Answer,
    CodeBatch,
    Feedback,
    FeedbackCode,
    ReleaseBlock,
)

log = logging.getLogger("openpolicing.release")

# A code must stay valid at least this long to be worth printing; nearer a month's release,
# issuing for that month's calls is refused.
MIN_CODE_DAYS = 7


def k_min() -> int:
    return settings.MIN_PUBLIC_RESPONSES


def code_days() -> int:
    return settings.FEEDBACK_CODE_DAYS


def current_closed_month(today: dt.date | None = None) -> dt.date:
    return closed_through(today or timezone.localdate(), code_days=code_days())


def release_date_of(month: dt.date) -> dt.date:
    """The day the month closes: from then on its responses are final and may be released."""
    return month_closes_on(month, code_days=code_days())


def month_is_closed(month: dt.date, *, today: dt.date) -> bool:
    return release_date_of(month) <= today


# --- Code expiry ------------------------------------------------------------------------------


class CodeIssueRefused(Exception):
    """Codes cannot be printed for these calls; `message` says why, for a records clerk."""

    def __init__(self, message: str, *, references: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.references = list(references)


def code_expiry(*, call_month: dt.date | None, today: dt.date, valid_days: int | None) -> dt.date:
    """When a code printed today expires: never later than `FEEDBACK_CODE_DAYS` from today, and
    for a call, the day before the call's month is released (PRIVACY.md rule 1)."""
    days = min(valid_days or code_days(), code_days())
    expires = today + dt.timedelta(days=days)
    if call_month is not None:
        expires = min(expires, release_date_of(call_month) - dt.timedelta(days=1))
    return expires


def code_refusal(*, call_month: dt.date, today: dt.date) -> str | None:
    """Why no code can be printed today for a call in `call_month`, or None if one can."""
    last_day = release_date_of(call_month) - dt.timedelta(days=1)
    if (last_day - today).days + 1 >= MIN_CODE_DAYS:
        return None
    month = date_format(call_month, "YEAR_MONTH_FORMAT")
    released = date_format(release_date_of(call_month), "DATE_FORMAT")
    return _(
        "No feedback codes can be printed any more for calls in %(month)s. The results for that "
        "month are published on %(released)s and stay as published, so every code for it must be "
        "printed at least %(days)s days before then. Print codes within %(window)s days of the "
        "end of the month of the call."
    ) % {
        "month": month,
        "released": released,
        "days": MIN_CODE_DAYS,
        "window": code_days() - MIN_CODE_DAYS,
    }


# --- Reading the people of a block ------------------------------------------------------------


def question_key(version: int, code: str) -> str:
    return f"v{version}:{code}"


def _people(agency: Agency, first: dt.date, last: dt.date) -> list[Person]:
    """The responses of [first, last] as the engine sees them, oldest id first."""
    rows = Feedback.objects.filter(
        agency=agency, interaction_month__gte=first, interaction_month__lte=last
    ).order_by("pk")
    meta = list(
        rows.values_list(
            "pk",
            "interaction_month",
            "category",
            "district_id",
            "language",
            "verified",
            "age_band",
            "race_ethnicity",
            "gender",
        )
    )
    if not meta:
        return []
    by_pillar: dict[int, dict[str, list[int | None]]] = defaultdict(lambda: defaultdict(list))
    answers: dict[int, dict[str, int]] = defaultdict(dict)
    satisfaction: dict[int, int | None] = {}
    for fid, pillar, code, version, is_sat, value in Answer.objects.filter(
        feedback__in=rows
    ).values_list(
        "feedback_id",
        "question__pillar",
        "question__code",
        "question__survey__version",
        "question__is_satisfaction",
        "value",
    ):
        by_pillar[fid][pillar].append(value)
        answers[fid][question_key(version, code)] = value or 0
        if is_sat:
            satisfaction[fid] = value
    # The call's primary officer: the first officer listed on the dispatch record.
    primary: dict[int, int] = {}
    through = Feedback.officers.through
    for fid, officer_id in (
        through.objects.filter(feedback__in=rows)
        .order_by("pk")
        .values_list("feedback_id", "officer_id")
    ):
        primary.setdefault(fid, officer_id)
    out = []
    for pk, month, category, district, language, verified, age, race, gender in meta:
        keys = {
            "category": category,
            "district": str(district or ""),
            "language": language,
            "officer": str(primary.get(pk, "")),
            "channel": "call" if verified else "blank",
            "age_band": age,
            "race_ethnicity": race,
            "gender": gender,
        }
        scores = person_row(person_scores(by_pillar.get(pk, {})))
        out.append(Person(month, keys, scores, answers.get(pk, {}), satisfaction.get(pk)))
    return out


def _labels(agency: Agency) -> dict[str, dict[str, str]]:
    """Names of districts and officers as they are on the day of release (frozen with it)."""
    return {
        "district": {str(d.pk): d.name for d in agency.districts.all()},
        "officer": {
            str(o.pk): f"{o.display_name} #{o.badge_number}"
            for o in Officer.objects.filter(agency=agency)
        },
    }


def _questions(people: Iterable[Person]) -> list[str]:
    return sorted({q for p in people for q in p.answers})


def _codes(agency: Agency, first: dt.date, last: dt.date) -> dict[str, int]:
    """Codes issued for the block's months, by channel: calls in those months, and blank cards
    printed in them (a blank card counts in the month it is answered)."""
    end = add_months(last, 1)
    calls = FeedbackCode.objects.filter(
        agency=agency, service_call__occurred_on__gte=first, service_call__occurred_on__lt=end
    ).count()
    blank = (
        FeedbackCode.objects.filter(
            agency=agency,
            service_call__isnull=True,
            batch__created_at__date__gte=first,
            batch__created_at__date__lt=end,
        )
        .exclude(batch__kind=CodeBatch.Kind.DEMO)
        .count()
    )
    return {"call": calls, "blank": blank}


# --- Releasing --------------------------------------------------------------------------------


def _month_counts(agency: Agency, after: dt.date | None, closed: dt.date) -> dict[dt.date, int]:
    rows = Feedback.objects.filter(agency=agency, interaction_month__lte=closed)
    if after is not None:
        rows = rows.filter(interaction_month__gt=after)
    return dict(
        rows.values_list("interaction_month")
        .annotate(c=Count("pk"))
        .values_list("interaction_month", "c")
    )


def _block_people(agency: Agency, block: ReleaseBlock) -> BlockPeople:
    return BlockPeople(
        block.first_month,
        block.last_month,
        _people(agency, block.first_month, block.last_month),
        block.figures,
    )


def _release_new_blocks(agency: Agency, *, closed: dt.date, k: int) -> list[ReleaseBlock]:
    existing = list(ReleaseBlock.objects.filter(agency=agency).order_by("first_month"))
    after = existing[-1].last_month if existing else None
    new = release_blocks(_month_counts(agency, after, closed), k=k, closed_through=closed)
    labels = _labels(agency) if new else {}
    made = []
    for block in new:
        people = _people(agency, block.start, block.end)
        previous = next((b for b in reversed(existing) if b.figures.get("scored")), None)
        earlier = next(
            (
                b
                for b in existing
                if b.first_month == add_months(block.start, -12)
                and b.last_month == add_months(block.end, -12)
                and b.figures.get("scored")
            ),
            None,
        )
        figures = block_figures(
            people,
            k=k,
            questions=_questions(people),
            labels=labels,
            previous=_people(agency, previous.first_month, previous.last_month)
            if previous
            else None,
            year_earlier=_people(agency, earlier.first_month, earlier.last_month)
            if earlier
            else None,
            codes=_codes(agency, block.start, block.end),
        )
        row = ReleaseBlock.objects.create(
            agency=agency,
            first_month=block.start,
            last_month=block.end,
            n=block.n,
            released_on=release_date_of(block.end),
            figures=figures,
        )
        log.info(
            "released %s %s..%s n=%d",
            agency.slug,
            f"{block.start:%Y-%m}",
            f"{block.end:%Y-%m}",
            block.n,
        )
        existing.append(row)
        made.append(row)
    return made


def _release_window(agency: Agency, *, closed: dt.date, k: int) -> AgencyRelease:
    first24 = headline_range(closed, max(TREND_MONTHS))[0]
    blocks = list(
        ReleaseBlock.objects.filter(
            agency=agency, first_month__gte=first24, last_month__lte=closed
        ).order_by("first_month")
    )
    first, last = headline_range(closed, HEADLINE_MONTHS)
    headline = [_block_people(agency, b) for b in blocks if b.first_month >= first]
    questions = _questions(p for b in headline for p in b.people)
    figures = {
        "closed_through": closed.isoformat(),
        "headline": window_figures(headline, k=k, first=first, last=last, questions=questions),
        "trend": [
            {
                "first": b.first_month.isoformat(),
                "last": b.last_month.isoformat(),
                "n": b.n,
                "trust": b.figures.get("measures", {}).get("trust"),
                "change": b.figures.get("change"),
                "response_rate": b.figures.get("response_rate"),
                "released_on": b.released_on.isoformat(),
            }
            for b in blocks
        ],
        "comparison": None,  # filled in once every agency's release for the month exists
    }
    release = AgencyRelease.objects.create(
        agency=agency,
        closed_through=closed,
        released_on=release_date_of(closed),
        figures=figures,
    )
    log.info("released %s figures through %s", agency.slug, f"{closed:%Y-%m}")
    return release


def _trust_value(release: AgencyRelease) -> float | None:
    est = estimate_of(release.figures["headline"].get("measures", {}).get("trust"))
    return est.value if est else None


def _compare(releases: Sequence[AgencyRelease], closed: dt.date) -> None:
    """Fill in the comparison of new releases: other agencies, same months, same kind (demo)."""
    # Real agencies: the published ones. Demo agencies: every demo agency (the sample agencies
    # generated for the demo have no pages), never mixed with real ones.
    pool = AgencyRelease.objects.filter(closed_through=closed).filter(
        Q(agency__published=True) | Q(agency__is_demo=True)
    )
    values: dict[bool, dict[int, float]] = {True: {}, False: {}}
    for other in pool.select_related("agency"):
        value = _trust_value(other)
        if value is not None:
            values[other.agency.is_demo][other.agency_id] = value
    for release in releases:
        others = {a: v for a, v in values[release.agency.is_demo].items() if a != release.agency_id}
        release.figures["comparison"] = comparison_json(_trust_value(release), others)
        release.save(update_fields=["figures"])


@transaction.atomic
def releases_run(*, today: dt.date | None = None, agency: Agency | None = None) -> dict:
    """Release every block whose months have all closed, and each agency's figures for the
    closed month; return what was released. Idempotent: a second run the same day does nothing."""
    closed = current_closed_month(today)
    k = k_min()
    agencies = [agency] if agency is not None else list(Agency.objects.order_by("pk"))
    blocks: list[ReleaseBlock] = []
    releases: list[AgencyRelease] = []
    for each in agencies:
        made = _release_new_blocks(each, closed=closed, k=k)
        blocks += made
        if made or not AgencyRelease.objects.filter(agency=each, closed_through=closed).exists():
            AgencyRelease.objects.filter(agency=each, closed_through=closed).delete()
            releases.append(_release_window(each, closed=closed, k=k))
    if releases:
        _compare(releases, closed)
        ids = [r.agency_id for r in releases]
        transaction.on_commit(lambda: [agency_data_changed(i) for i in ids], robust=True)
        transaction.on_commit(figures_changed, robust=True)
    return {"closed_through": closed, "blocks": blocks, "releases": releases}


@transaction.atomic
def releases_rebuild(*, agency: Agency | None = None, today: dt.date | None = None) -> dict:
    """The operator's rebuild: forget every stored release (of one agency, or all) and release
    again from the responses. Released figures change only here, and only if the data did."""
    blocks = ReleaseBlock.objects.all()
    windows = AgencyRelease.objects.all()
    if agency is not None:
        blocks, windows = blocks.filter(agency=agency), windows.filter(agency=agency)
    blocks.delete()
    windows.delete()
    log.warning("rebuilding releases for %s", agency.slug if agency else "every agency")
    return releases_run(today=today, agency=agency)


def releases_derive(*, today: dt.date | None = None) -> dict:
    """Derive the stored releases after loading source rows (demo fixture, tests): a run."""
    return releases_run(today=today)


# --- Reading ----------------------------------------------------------------------------------


def latest_release(agency: Agency) -> AgencyRelease | None:
    return AgencyRelease.objects.filter(agency=agency).order_by("-closed_through").first()


def released_blocks(agency: Agency) -> list[ReleaseBlock]:
    """Every released block of the agency, oldest first (each with its stored figures)."""
    return list(ReleaseBlock.objects.filter(agency=agency).order_by("first_month"))


def first_counted_on(month: dt.date) -> dt.date:
    """The first day a response about a contact in `month` can appear in any figure."""
    return release_date_of(month)


def thanks_release(month: str | None) -> dict:
    """What the thank-you page says about when an answer about `month` ("YYYY-MM") first counts:
    the day that month closes (it is then in the next block to be released once that block holds
    k responses)."""
    try:
        contact = dt.datetime.strptime(month or "", "%Y-%m").date()
    except ValueError:
        return {}
    return {"contact_month": contact, "first_counts_on": release_date_of(contact)}


_ASK = object()


def batch_response_rate(
    batch: CodeBatch,
    *,
    used: int,
    last_expiry: dt.date | None | object = _ASK,
    today: dt.date | None = None,
) -> str:
    """A code batch's response rate as staff may see it (PRIVACY.md rule 9): nothing while any of
    its codes can still be used (a live rate moves at the moment of one submission), then "fewer
    than k" until k codes were used, then the rate."""
    today = today or timezone.localdate()
    k = k_min()
    # The change list annotates `last_expiry` (None: a batch without codes); otherwise ask.
    last = (
        batch.codes.aggregate(last=Max("expires_on"))["last"]
        if last_expiry is _ASK
        else last_expiry
    )
    if last is not None and last >= today:
        day = date_format(last + dt.timedelta(days=1), "DATE_FORMAT")
        return _("shown once its codes have expired (%(day)s)") % {"day": day}
    if used < k:
        return _("fewer than %(k)s responses") % {"k": k}
    return f"{round(100 * used / batch.size)} %" if batch.size else "—"
