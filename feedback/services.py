"""Writes that touch several models: issuing codes, submitting feedback exactly once, moderating."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from agencies.models import Agency, District
from surveys.models import Question, Survey

from .codes import code_digest, generate_code
from .models import (
    Answer,
    Category,
    CodeBatch,
    Feedback,
    FeedbackCode,
    ServiceCall,
    month_start,
)
from .moderation import kudos_send
from .releases import CodeIssueRefused, code_expiry, code_refusal, month_is_closed
from .rollups import rollups_add


@transaction.atomic
def codes_issue(
    *,
    agency: Agency,
    kind: str,
    count: int | None = None,
    service_calls: Sequence[ServiceCall] = (),
    district: District | None = None,
    created_by: AbstractBaseUser | None = None,
    valid_days: int | None = None,
) -> tuple[CodeBatch, list[tuple[str, ServiceCall | None]]]:
    """Create a batch of one-time codes; return it with the plaintext codes (shown once, never stored).

    With `service_calls`, one code per non-sensitive call; otherwise `count` blank codes. A code
    never outlives `FEEDBACK_CODE_DAYS`, nor (for a call) the day before the call's month is
    released, so a released month can never change (PRIVACY.md rule 1). Calls whose month is
    released or about to be raise CodeIssueRefused and nothing is printed.
    """
    today = timezone.localdate()
    calls: list[ServiceCall | None] = [c for c in service_calls if c.may_receive_code(agency)]
    if not service_calls:
        calls = [None] * int(count or 0)
    refused = [
        (call, reason)
        for call in calls
        if call is not None
        and (reason := code_refusal(call_month=month_start(call.occurred_on), today=today))
    ]
    if refused:
        raise CodeIssueRefused(refused[0][1], references=[call.reference for call, _ in refused])
    batch = CodeBatch.objects.create(
        agency=agency, kind=kind, size=len(calls), district=district, created_by=created_by
    )
    issued: list[tuple[str, ServiceCall | None]] = []
    for call in calls:
        for _attempt in range(5):  # a 65-bit collision is astronomically rare; retry anyway
            code = generate_code()
            try:
                with transaction.atomic():
                    FeedbackCode.objects.create(
                        digest=code_digest(code.replace("-", "")),
                        agency=agency,
                        service_call=call,
                        batch=batch,
                        expires_on=code_expiry(
                            call_month=month_start(call.occurred_on) if call else None,
                            today=today,
                            valid_days=valid_days,
                        ),
                    )
                break
            except IntegrityError:
                continue
        else:
            raise RuntimeError("could not generate a unique code")
        issued.append((code, call))
    return batch, issued


class CodeRefused(Exception):
    """A code that cannot be used; `reason` picks the message shown (and nothing more is said)."""

    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    UNPUBLISHED = "unpublished"

    def __init__(self, reason: str, *, agency_id: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.agency_id = agency_id  # set only for USED, to link the thank-you page to the agency


@dataclass(frozen=True)
class Contact:
    """What the survey page may say about the contact: agency, coarse category and month."""

    code: FeedbackCode
    category: str
    month: dt.date
    verified: bool


def code_check(*, code: str, today: dt.date | None = None) -> Contact:
    """Return the contact a normalised code was issued for, or raise CodeRefused."""
    today = today or timezone.localdate()
    record = (
        FeedbackCode.objects.select_related("agency", "service_call", "batch")
        .filter(digest=code_digest(code))
        .first()
    )
    if record is None:
        raise CodeRefused(CodeRefused.UNKNOWN)
    if not record.agency.published:
        raise CodeRefused(CodeRefused.UNPUBLISHED)
    if record.redeemed:
        raise CodeRefused(CodeRefused.USED, agency_id=record.agency_id)
    if record.expires_on < today:
        raise CodeRefused(CodeRefused.EXPIRED)
    call = record.service_call
    if call is not None:
        contact = Contact(
            code=record, category=call.category, month=month_start(call.occurred_on), verified=True
        )
    else:
        # Blank cards and demo codes name no call: the month is the month of the answer.
        contact = Contact(
            code=record, category=Category.OTHER, month=month_start(today), verified=False
        )
    if month_is_closed(contact.month, today=today):
        raise CodeRefused(CodeRefused.EXPIRED)  # see feedback_submit
    return contact


def _district(record: FeedbackCode):  # noqa: ANN202
    if record.service_call is not None:
        return record.service_call.district
    return record.batch.district if record.batch is not None else None


@transaction.atomic
def feedback_submit(
    *,
    code: str,
    survey: Survey,
    answers: Mapping[int, int | None],
    comment: str = "",
    publish_consent: bool = False,
    demographics: Mapping[str, str] | None = None,
    kudos: str = "",
    language: str = "en",
    today: dt.date | None = None,
    contact: Contact | None = None,
) -> Feedback:
    """Redeem a code and record its feedback in one transaction, exactly once.

    `contact` is what `code_check` returned for this code moments before (the survey view has
    it); the claim below re-checks what matters (unused, unexpired), so the code is not read twice.
    """
    today = today or timezone.localdate()
    if contact is None or contact.code.digest != code_digest(code):
        contact = code_check(code=code, today=today)
    record = contact.code
    if month_is_closed(contact.month, today=today):
        # Its month may already be in a released block, which never changes: the code is as
        # good as expired (codes_issue caps expiry before this day, so only a weakened
        # configuration gets here).
        raise CodeRefused(CodeRefused.EXPIRED)
    # The claim: a conditional UPDATE. Concurrent submitters of one code serialise on the row
    # lock; every one after the first re-reads `redeemed=True` and claims nothing. `digest` is
    # unique in the database, so there is exactly one row to claim.
    claimed = FeedbackCode.objects.filter(
        pk=record.pk, redeemed=False, expires_on__gte=today
    ).update(redeemed=True)
    if claimed != 1:
        raise CodeRefused(CodeRefused.USED, agency_id=record.agency_id)

    comment = comment.strip()
    if not comment:
        state = Feedback.Moderation.NO_COMMENT
    elif publish_consent:
        state = Feedback.Moderation.PENDING
    else:
        state = Feedback.Moderation.PRIVATE
    demographics = demographics or {}
    call = record.service_call
    feedback = Feedback.objects.create(
        agency=record.agency,
        survey=survey,
        category=contact.category,
        district=_district(record),
        interaction_month=contact.month,
        submitted_on=today,
        language=language if language in {"en", "es"} else "en",
        verified=contact.verified,
        comment=comment,
        publish_consent=bool(comment) and publish_consent,
        moderation_state=state,
        age_band=demographics.get("age_band", ""),
        race_ethnicity=demographics.get("race_ethnicity", ""),
        gender=demographics.get("gender", ""),
    )
    if call is not None:
        feedback.officers.set(call.officers.all())
        if kudos.strip():  # the respondent's own thank-you, stored apart from this response
            kudos_send(
                agency=record.agency, officers=call.officers.all(), message=kudos, today=today
            )
    questions = {q.pk: q for q in Question.objects.filter(survey=survey)}
    rows = Answer.objects.bulk_create(
        Answer(feedback=feedback, question=questions[qid], value=value)
        for qid, value in answers.items()
        if qid in questions
    )
    rollups_add(feedback=feedback, answers=rows)
    agency_id, code_id = record.agency_id, record.pk
    # robust: the feedback is committed; a failure here must not turn the thank-you into a 500.
    if connection.vendor == "postgresql":  # only PostgreSQL stamps rows with transaction ids
        transaction.on_commit(
            lambda: codes_restamp(agency_id=agency_id, around=code_id), robust=True
        )
    # Nothing public changes with one submission (PRIVACY.md rule 9): a comment reaches the queue
    # and the "awaiting review" count with the next daily batch (feedback.moderation).
    return feedback


# A claimed code is rewritten together with up to RESTAMP_GROUP of the agency's redeemed codes on
# each side (by id: the same print run), looked for within RESTAMP_SPAN ids (enough at a 2 %
# response rate). Counting redeemed codes rather than ids keeps both the group (what a feedback row
# can be narrowed to) and the cost (rows rewritten per submission) fixed whatever the response
# rate: on the 1 M-code bench agency, every redeemed code within 500 ids (~1,000 rows) cost
# 260-340 ms per submission; 201 rows cost 14-40 ms.
RESTAMP_GROUP = 100
RESTAMP_SPAN = 5_000
# Codes are redeemable only until they expire, so a nightly run need only rewrite codes that were
# still valid since the previous run; the margin covers a few missed nights (`--all` covers any).
UNLINK_MARGIN_DAYS = 7


def codes_restamp(
    *,
    agency_id: int | None = None,
    around: int | None = None,
    valid_since: dt.date | None = None,
) -> int:
    """Rewrite redeemed codes' rows so none shares a transaction id with its feedback.

    PostgreSQL stamps each row with the id of the transaction that wrote it (xmin); right after a
    submission the claimed code and its feedback carry the same one. After each submission the
    claimed code (`around`) and up to RESTAMP_GROUP of the agency's redeemed codes printed on each
    side of it are rewritten together in a later transaction, so they share one newer id and the
    feedback can only be narrowed to that group. `manage.py feedback_unlink` (nightly) rewrites every
    code that could have been redeemed since the last run (`valid_since`) at once.
    """
    codes = FeedbackCode.objects.filter(redeemed=True)
    if agency_id is not None:
        codes = codes.filter(agency_id=agency_id)
    if valid_since is not None:
        codes = codes.filter(expires_on__gte=valid_since)
    if around is not None:
        # The neighbours' ids first (two short scans of the primary key), then one UPDATE by id:
        # as a single statement with subqueries PostgreSQL scanned the whole agency instead.
        span = codes.filter(pk__gte=around - RESTAMP_SPAN, pk__lte=around + RESTAMP_SPAN)
        before = span.filter(pk__lt=around).order_by("-pk")[:RESTAMP_GROUP]
        after = span.filter(pk__gt=around).order_by("pk")[:RESTAMP_GROUP]
        ids = [around, *before.values_list("pk", flat=True), *after.values_list("pk", flat=True)]
        codes = codes.filter(pk__in=ids)
    return codes.update(redeemed=True)


def codes_unlink(*, everything: bool = False, today: dt.date | None = None) -> int:
    """The nightly rewrite: every redeemed code still valid in the last UNLINK_MARGIN_DAYS days."""
    if everything:
        return codes_restamp()
    today = today or timezone.localdate()
    return codes_restamp(valid_since=today - dt.timedelta(days=UNLINK_MARGIN_DAYS))
