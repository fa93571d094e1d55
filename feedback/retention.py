"""Retention (SECURITY.md 24): forget withheld comments and old sign-in records after a period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from .models import Feedback, ModerationDecision


@dataclass(frozen=True)
class Purged:
    comments: int
    login_records: int


@transaction.atomic
def retention_purge(*, days: int, now: dt.datetime | None = None) -> Purged:
    """Blank withheld comments and delete axes records older than `days`; idempotent."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=days)
    withheld = (
        Feedback.objects.filter(moderation_state=Feedback.Moderation.WITHHELD)
        .annotate(withheld_at=Max("decisions__decided_at"))
        .filter(
            Q(withheld_at__lt=cutoff) | Q(withheld_at__isnull=True, submitted_on__lt=cutoff.date())
        )
        .exclude(comment="", published_text="")
    )
    ids = list(withheld.values_list("pk", flat=True))
    Feedback.objects.filter(pk__in=ids).update(comment="", published_text="")
    ModerationDecision.objects.filter(feedback_id__in=ids).update(text="")
    logins = 0
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        deleted, _ = model.objects.filter(attempt_time__lt=cutoff).delete()
        logins += deleted
    return Purged(comments=len(ids), login_records=logins)
