"""Moderation services: decisions on comments and the agency's public responses (issue 5)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.cache import agency_data_changed

from .models import Feedback, ModerationDecision, PublicResponse
from .rollups import moderation_rollup_move

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
    today: dt.date | None = None,
) -> ModerationDecision:
    """Record a moderator's decision on a comment and apply it."""
    feedback = Feedback.objects.select_for_update().get(pk=feedback.pk)
    if not feedback.publish_consent or feedback.moderation_state not in MODERATABLE:
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
    _changed_on_commit(feedback.agency_id)
    return decision


@transaction.atomic
def public_response_save(
    *, feedback: Feedback, author: AbstractBaseUser, body: str, today: dt.date | None = None
) -> PublicResponse:
    """Write (or rewrite) the agency's public reply to a published comment."""
    body = body.strip()
    if feedback.moderation_state != Feedback.Moderation.PUBLISHED:
        raise ValidationError(_("Only published comments can be answered."))
    if not body:
        raise ValidationError(_("Write the response."))
    response, _created = PublicResponse.objects.update_or_create(
        feedback=feedback,
        defaults={
            "body": body,
            "author": author,
            "published_on": today or timezone.localdate(),
        },
    )
    _changed_on_commit(feedback.agency_id)
    return response
