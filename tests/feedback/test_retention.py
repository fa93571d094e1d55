"""Retention: withheld comments and sign-in records are forgotten after RETENTION_DAYS."""

import datetime as dt
import io

import pytest
from axes.models import AccessAttempt, AccessLog
from django.core.management import call_command
from django.utils import timezone

from feedback.models import Feedback, ModerationDecision
from tests.factories import CommentFactory

pytestmark = pytest.mark.django_db


def withheld(days_ago, text="Call 555-123-4567"):
    feedback = CommentFactory(comment=text, moderation_state=Feedback.Moderation.WITHHELD)
    decision = ModerationDecision.objects.create(
        feedback=feedback, action="withhold", reason="personal_data"
    )
    ModerationDecision.objects.filter(pk=decision.pk).update(
        decided_at=timezone.now() - dt.timedelta(days=days_ago)
    )
    return feedback


def test_old_withheld_comments_are_blanked_and_recent_ones_kept(settings):
    settings.RETENTION_DAYS = 180
    old, recent = withheld(200), withheld(10)
    published = CommentFactory(moderation_state="published", published_text="Thanks")

    out = io.StringIO()
    call_command("purge_expired", stdout=out)

    old.refresh_from_db()
    recent.refresh_from_db()
    published.refresh_from_db()
    assert old.comment == "" and old.moderation_state == "withheld"
    assert recent.comment == "Call 555-123-4567"
    assert published.published_text == "Thanks"
    assert "Blanked 1 withheld comment(s)" in out.getvalue()


def test_old_sign_in_records_are_deleted():
    old = AccessAttempt.objects.create(username="a", ip_address="192.0.2.1", failures_since_start=3)
    AccessAttempt.objects.filter(pk=old.pk).update(
        attempt_time=timezone.now() - dt.timedelta(days=400)
    )
    AccessLog.objects.create(username="b", ip_address="192.0.2.2")

    call_command("purge_expired", "--days", "30", stdout=io.StringIO())

    assert not AccessAttempt.objects.exists()
    assert AccessLog.objects.count() == 1


def test_running_twice_changes_nothing_more():
    withheld(365)
    call_command("purge_expired", stdout=io.StringIO())
    out = io.StringIO()

    call_command("purge_expired", stdout=out)

    assert "Blanked 0 withheld comment(s); deleted 0 sign-in record(s)." in out.getvalue()
