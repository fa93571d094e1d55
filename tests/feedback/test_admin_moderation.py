"""Moderation in the staff workspace: queue, redaction proposal, decisions, public responses."""

import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse

from agencies.models import Membership
from feedback.models import Feedback, ModerationDecision, PublicResponse
from tests.factories import (
    AgencyFactory,
    CommentFactory,
    DistrictFactory,
    OfficerFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:feedback_feedback_changelist")


def moderate_url(feedback):
    return reverse("admin:feedback_feedback_change", args=[feedback.pk])


@pytest.fixture
def agency():
    return AgencyFactory(name="Trustville Police")


@pytest.fixture
def moderator(client, agency):
    user = staff_user(agency, Membership.Role.MODERATOR)
    client.force_login(user)
    return user


def test_queue_lists_consented_comments_of_own_agency_oldest_first(client, agency, moderator):
    newer = CommentFactory(agency=agency, submitted_on=dt.date(2026, 10, 21), comment="Newer one")
    older = CommentFactory(agency=agency, submitted_on=dt.date(2026, 10, 2), comment="Older one")
    CommentFactory(
        agency=agency,
        comment="Private words",
        publish_consent=False,
        moderation_state=Feedback.Moderation.PRIVATE,
    )
    CommentFactory(agency=agency, comment="", moderation_state=Feedback.Moderation.NO_COMMENT)
    CommentFactory(comment="Elsewhere words")  # another agency

    response = client.get(QUEUE, follow=True)

    body = response.content.decode()
    assert response.status_code == 200
    assert body.index("Older one") < body.index("Newer one")
    assert "Private words" not in body and "Elsewhere words" not in body
    assert older.pk != newer.pk


def test_moderation_page_shows_coarse_context_and_highlights_personal_data(
    client, agency, moderator
):
    district = DistrictFactory(agency=agency, name="Riverside Precinct")
    OfficerFactory(agency=agency, display_name="Dana Whitfield")
    feedback = CommentFactory(
        agency=agency,
        district=district,
        age_band="25_34",
        comment="Dana Whitfield was kind. Call me at 555-123-4567 <script>alert(1)</script>",
    )

    response = client.get(moderate_url(feedback))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Traffic stop" in body and "October 2026" in body
    assert '<mark title="phone number">555-123-4567</mark>' in body
    assert '<mark title="name">Dana Whitfield</mark>' in body
    assert "[phone removed]" in body and "[name removed]" in body  # the proposal, editable
    assert "Riverside Precinct" not in body  # no district, no answers, no demographics
    assert "25_34" not in body
    assert "<script>alert(1)</script>" not in body
    assert "no-store" in response["Cache-Control"]


def test_publishing_redacted_text_records_the_decision_and_refreshes_the_agency_page(
    client, agency, moderator, django_capture_on_commit_callbacks
):
    feedback = CommentFactory(agency=agency, comment="Call me at 555-123-4567, thanks!")
    with (
        mock.patch("feedback.moderation.agency_data_changed") as changed,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            moderate_url(feedback), {"action": "publish", "text": "Call me at [phone removed]"}
        )

    assert response.status_code == 302
    feedback.refresh_from_db()
    assert feedback.moderation_state == Feedback.Moderation.PUBLISHED
    assert feedback.published_text == "Call me at [phone removed]"
    assert feedback.comment == "Call me at 555-123-4567, thanks!"  # the original is kept apart
    decision = feedback.decisions.get()
    assert (decision.action, decision.moderator) == ("publish", moderator)
    changed.assert_called_once_with(agency.pk)


def test_withholding_needs_a_reason_from_the_fixed_list(client, agency, moderator):
    feedback = CommentFactory(agency=agency)

    refused = client.post(moderate_url(feedback), {"action": "withhold", "reason": "rude"})
    accepted = client.post(moderate_url(feedback), {"action": "withhold", "reason": "spam"})

    assert refused.status_code == 200
    assert accepted.status_code == 302
    feedback.refresh_from_db()
    assert (feedback.moderation_state, feedback.withheld_reason) == ("withheld", "spam")
    assert feedback.published_text == ""


def test_flagging_keeps_the_comment_internal(client, agency, moderator):
    feedback = CommentFactory(agency=agency)

    client.post(moderate_url(feedback), {"action": "flag"})

    feedback.refresh_from_db()
    assert feedback.moderation_state == Feedback.Moderation.SENSITIVE
    assert feedback.published_text == ""
    assert ModerationDecision.objects.get(feedback=feedback).action == "flag"


def test_after_a_decision_the_next_comment_in_the_queue_opens(client, agency, moderator):
    first = CommentFactory(agency=agency, submitted_on=dt.date(2026, 10, 1))
    second = CommentFactory(agency=agency, submitted_on=dt.date(2026, 10, 3))

    response = client.post(moderate_url(first), {"action": "publish", "text": "Fine."})

    assert response["Location"] == moderate_url(second)


def test_moderator_answers_a_published_comment(client, agency, moderator):
    feedback = CommentFactory(
        agency=agency, moderation_state="published", published_text="Slow response."
    )

    response = client.post(
        moderate_url(feedback), {"respond": "1", "body": "We added a second patrol car."}
    )

    assert response.status_code == 302
    reply = PublicResponse.objects.get(feedback=feedback)
    assert (reply.body, reply.author) == ("We added a second patrol car.", moderator)
    assert "We added a second patrol car." in client.get(moderate_url(feedback)).content.decode()


def test_withdrawing_a_published_comment_removes_its_response(client, agency, moderator):
    feedback = CommentFactory(agency=agency, moderation_state="published", published_text="Hi")
    client.post(moderate_url(feedback), {"respond": "1", "body": "Thanks"})

    client.post(moderate_url(feedback), {"action": "withhold", "reason": "personal_data"})

    assert not PublicResponse.objects.filter(feedback=feedback).exists()


@pytest.mark.parametrize("role", [Membership.Role.ADMIN, Membership.Role.ANALYST])
def test_other_roles_cannot_moderate(client, agency, role):
    client.force_login(staff_user(agency, role))
    feedback = CommentFactory(agency=agency)

    response = client.post(moderate_url(feedback), {"action": "publish", "text": "x"})

    assert response.status_code == 403
    feedback.refresh_from_db()
    assert feedback.moderation_state == Feedback.Moderation.PENDING


def test_agency_admin_sees_who_decided_what(client, agency, moderator):
    feedback = CommentFactory(agency=agency)
    client.post(moderate_url(feedback), {"action": "withhold", "reason": "threat"})
    client.force_login(staff_user(agency, Membership.Role.ADMIN))

    page = client.get(moderate_url(feedback)).content.decode()
    log = client.get(reverse("admin:feedback_moderationdecision_changelist")).content.decode()

    assert moderator.username in page and "Threat" in page
    assert moderator.username in log
