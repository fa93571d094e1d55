"""Comments on their way to staff: daily batches, moderation decisions, public responses, kudos.

PRIVACY.md rules 7-9: staff see a comment's text, agency and month, never its author's answers,
scores, kind of contact or district; comments and kudos reach staff only in the daily batch
(`comments_release`), shuffled, never one at a time as they arrive.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.cache import agency_data_changed
from agencies.models import Agency, Officer

from .models import CommentRelease, Feedback, Kudos, ModerationDecision, PublicResponse
from .rollups import moderation_rollup_move

# Comments that reach staff: offered for publication (moderators), or private (reviewers). The
# moderated states are here for comments stored before batches existed (a demo fixture, an
# upgraded site): they were seen already, and the next release gives them their batch key.
RELEASED_STATES = (
    Feedback.Moderation.PENDING,
    Feedback.Moderation.PRIVATE,
    Feedback.Moderation.PUBLISHED,
    Feedback.Moderation.WITHHELD,
    Feedback.Moderation.SENSITIVE,
)
KUDOS_MAX_LENGTH = 1000

# States a comment can be moderated from (again): a published comment can still be withdrawn.
MODERATABLE = (
    Feedback.Moderation.PENDING,
    Feedback.Moderation.PUBLISHED,
    Feedback.Moderation.WITHHELD,
    Feedback.Moderation.SENSITIVE,
)

_STATE_FOR_ACTION = {
    ModerationDecision.Action.PUBLISH: Feedback.Moderation.PUBLISHED,
    ModerationDecision.Action.WITHHOLD: Feedback.Moderation.WITHHELD,
    ModerationDecision.Action.FLAG: Feedback.Moderation.SENSITIVE,
}


def _changed_on_commit(agency_id: int) -> None:
    transaction.on_commit(lambda: agency_data_changed(agency_id))


@transaction.atomic
def moderation_decide(
    *,
    feedback: Feedback,
    moderator: AbstractBaseUser,
    action: str,
    reason: str = "",
    text: str = "",
    response: str = "",
    response_es: str = "",
    today: dt.date | None = None,
) -> ModerationDecision:
    """Record a moderator's decision on a comment and apply it.

    Publishing may carry the agency's public response (`response`), saved in the same step.
    """
    feedback = Feedback.objects.select_for_update().get(pk=feedback.pk)
    released = CommentRelease.objects.filter(feedback=feedback).exists()
    if not feedback.publish_consent or feedback.moderation_state not in MODERATABLE or not released:
        raise ValidationError(_("This comment is not open for moderation."))
    action = ModerationDecision.Action(action)
    text = text.strip()
    if action == ModerationDecision.Action.PUBLISH:
        if not text:
            raise ValidationError(_("Enter the text to publish."))
        reason = ""
    elif action == ModerationDecision.Action.WITHHOLD:
        if reason not in Feedback.WithheldReason.values:
            raise ValidationError(_("Choose why the comment is withheld."))
        text = ""
    else:
        reason, text = "", ""

    before = (feedback.moderation_state, feedback.withheld_reason)
    feedback.moderation_state = _STATE_FOR_ACTION[action]
    feedback.withheld_reason = reason
    feedback.published_text = text
    feedback.published_on = (today or timezone.localdate()) if text else None
    feedback.save(
        update_fields=["moderation_state", "withheld_reason", "published_text", "published_on"]
    )
    moderation_rollup_move(
        agency_id=feedback.agency_id,
        old=before,
        new=(feedback.moderation_state, feedback.withheld_reason),
    )
    if action != ModerationDecision.Action.PUBLISH:
        # A reply to a comment that is no longer public must not stay public either.
        PublicResponse.objects.filter(feedback=feedback).delete()
    decision = ModerationDecision.objects.create(
        feedback=feedback, moderator=moderator, action=action, reason=reason, text=text
    )
    if action == ModerationDecision.Action.PUBLISH and response.strip():
        public_response_save(
            feedback=feedback, author=moderator, body=response, body_es=response_es, today=today
        )
    _changed_on_commit(feedback.agency_id)
    return decision


@transaction.atomic
def public_response_save(
    *,
    feedback: Feedback,
    author: AbstractBaseUser,
    body: str,
    body_es: str = "",
    today: dt.date | None = None,
) -> PublicResponse:
    """Write (or rewrite) the agency's public reply to a published comment (and its Spanish)."""
    body, body_es = body.strip(), body_es.strip()
    if feedback.moderation_state != Feedback.Moderation.PUBLISHED:
        raise ValidationError(_("Only published comments can be answered."))
    if not body:
        raise ValidationError(_("Write the response."))
    response, _created = PublicResponse.objects.update_or_create(
        feedback=feedback,
        defaults={
            "body": body,
            "body_es": body_es,
            "author": author,
            "published_on": today or timezone.localdate(),
        },
    )
    _changed_on_commit(feedback.agency_id)
    return response


@transaction.atomic
def public_response_remove(*, feedback: Feedback) -> bool:
    """Take the agency's public reply to a comment down; True if there was one."""
    deleted, _rows = PublicResponse.objects.filter(feedback=feedback).delete()
    if deleted:
        _changed_on_commit(feedback.agency_id)
    return bool(deleted)


# --- daily batches --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Released:
    """What one daily release delivered: comments and kudos per agency id."""

    day: dt.date
    comments: dict[int, int]
    kudos: dict[int, int]


def _shuffled(items: list, rng: random.Random) -> list:
    items = list(items)
    rng.shuffle(items)
    return items


@transaction.atomic
def comments_release(*, today: dt.date | None = None, include_today: bool = False) -> Released:
    """Deliver to staff, as one batch, every comment and kudos written before `today`.

    Run once a day at a fixed hour (`manage.py release_comments`). Only whole past days are
    released, so however often it runs, the queue changes once a day, and what enters it
    together is everything of the previous day(s), in random order: a moderator cannot tell in
    which order, or at what time of day, comments arrived. `include_today` releases today's as
    well (an operator's catch-up, and the laptop demo).
    """
    today = today or timezone.localdate()
    rng = random.SystemRandom()
    written = {"submitted_on__lte": today} if include_today else {"submitted_on__lt": today}
    waiting = list(
        Feedback.objects.select_for_update(of=("self",))
        .filter(moderation_state__in=RELEASED_STATES, comment_release__isnull=True, **written)
        .values_list("pk", "agency_id", "moderation_state")
    )
    # Rows are created in random order, so not even their ids follow the order of arrival.
    CommentRelease.objects.bulk_create(
        CommentRelease(feedback_id=pk, released_on=today) for pk, _a, _s in _shuffled(waiting, rng)
    )
    for _pk, agency_id, state in waiting:
        if state == Feedback.Moderation.PENDING:
            # "Awaiting review" on the Agency Page counts comments from their release, not from
            # their arrival: the page changes with the daily batch, never with one submission.
            moderation_rollup_move(agency_id=agency_id, old=None, new=(state, ""))
    kudos_written = {"written_on__lte": today} if include_today else {"written_on__lt": today}
    kudos = Kudos.objects.select_for_update().filter(released_on__isnull=True, **kudos_written)
    kudos_agencies = list(kudos.values_list("agency_id", flat=True))
    kudos.update(released_on=today)
    comments = Counter(agency_id for _pk, agency_id, _s in waiting)
    for agency_id in comments:
        _changed_on_commit(agency_id)
    return Released(day=today, comments=dict(comments), kudos=dict(Counter(kudos_agencies)))


def released_comments(queryset: QuerySet[Feedback] | None = None) -> QuerySet[Feedback]:
    """Comments staff may see: those delivered in a daily batch, batch by batch, shuffled."""
    base = Feedback.objects.all() if queryset is None else queryset
    return base.filter(comment_release__isnull=False).order_by(
        "-comment_release__released_on", "comment_release__key"
    )


def next_release_day(today: dt.date | None = None) -> dt.date:
    """The day the comments written today reach the queue."""
    return (today or timezone.localdate()) + dt.timedelta(days=1)


# --- kudos ------------------------------------------------------------------------------------


@transaction.atomic
def kudos_send(
    *, agency: Agency, officers: Iterable[Officer], message: str, today: dt.date | None = None
) -> Kudos | None:
    """Store a thank-you the respondent chose to send to the officers of their call.

    Called in the submission's transaction, but nothing joins the kudos to that response: it
    holds the agency, the officers and the message, and waits for the next daily batch.
    """
    message = message.strip()[:KUDOS_MAX_LENGTH]
    officers = [o for o in officers if o.agency_id == agency.pk]
    if not message or not officers:
        return None
    kudos = Kudos.objects.create(
        agency=agency, message=message, written_on=today or timezone.localdate()
    )
    kudos.officers.set(officers)
    return kudos
