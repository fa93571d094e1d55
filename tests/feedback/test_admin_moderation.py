"""Moderation in the staff workspace: the batched queue, one screen per comment, private comments
and kudos for reviewers, public responses through the services only."""

import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse

from agencies.models import Membership
from feedback.models import CommentRelease, Feedback, Kudos, ModerationDecision, PublicResponse
from feedback.moderation import comments_release, kudos_send
from tests.factories import (
    AgencyFactory,
    CommentFactory,
    DistrictFactory,
    OfficerFactory,
    staff_user,
)

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:feedback_feedback_changelist")
PRIVATE = reverse("admin:feedback_privatecomment_changelist")
KUDOS = reverse("admin:feedback_kudos_changelist")


def moderate_url(feedback):
    return reverse("admin:feedback_feedback_change", args=[feedback.comment_release.key])


@pytest.fixture
def agency():
    return AgencyFactory(name="Trustville Police")


@pytest.fixture
def moderator(client, agency):
    user = staff_user(agency, Membership.Role.MODERATOR)
    client.force_login(user)
    return user


# --- the queue --------------------------------------------------------------------------------


def test_queue_lists_released_consented_comments_of_own_agency_only(client, agency, moderator):
    CommentFactory(agency=agency, comment="Released words")
    CommentFactory(agency=agency, comment="Still waiting", released=False)
    CommentFactory(
        agency=agency,
        comment="Private words",
        publish_consent=False,
        moderation_state=Feedback.Moderation.PRIVATE,
    )
    CommentFactory(comment="Elsewhere words")  # another agency

    response = client.get(QUEUE, follow=True)

    body = response.content.decode()
    assert response.status_code == 200
    assert "Released words" in body
    assert "Still waiting" not in body
    assert "Private words" not in body and "Elsewhere words" not in body
    assert "once a day, all together and in random order" in body


def test_queue_shows_no_kind_of_contact_and_links_by_batch_key_not_id(client, agency, moderator):
    feedback = CommentFactory(agency=agency, category="traffic_stop", comment="Kind words")

    body = client.get(QUEUE + "?state=pending").content.decode()

    assert "Traffic stop" not in body
    assert moderate_url(feedback) in body
    assert reverse("admin:feedback_feedback_change", args=[feedback.pk]) not in body
    assert 'name="_selected_action"' not in body  # no checkboxes carrying ids


def test_queue_order_within_a_batch_is_the_random_key_not_arrival(client, agency, moderator):
    comments = [
        CommentFactory(agency=agency, comment=f"Comment number {i:02d}", released=False)
        for i in range(12)
    ]
    comments_release(today=dt.date.today() + dt.timedelta(days=1))

    body = client.get(QUEUE + "?state=pending").content.decode()

    shown = sorted(comments, key=lambda c: body.index(c.comment))
    by_key = sorted(comments, key=lambda c: CommentRelease.objects.get(feedback=c).key)
    assert shown == by_key
    assert shown != comments  # 1 chance in 12! of a false failure


def test_a_comment_is_not_reachable_before_its_batch_nor_by_its_id(client, agency, moderator):
    waiting = CommentFactory(agency=agency, released=False)
    released = CommentFactory(agency=agency)

    by_id = client.get(reverse("admin:feedback_feedback_change", args=[released.pk]))
    posted = client.post(
        reverse("admin:feedback_feedback_change", args=[waiting.pk]), {"action": "flag"}
    )

    assert by_id.status_code == 404 and posted.status_code == 404
    waiting.refresh_from_db()
    assert waiting.moderation_state == Feedback.Moderation.PENDING


# --- the moderation screen ----------------------------------------------------------------------


def test_moderation_screen_shows_text_agency_and_month_and_highlights_personal_data(
    client, agency, moderator
):
    district = DistrictFactory(agency=agency, name="Riverside Precinct")
    OfficerFactory(agency=agency, display_name="Dana Whitfield")
    feedback = CommentFactory(
        agency=agency,
        district=district,
        category="traffic_stop",
        age_band="25_34",
        comment="Whitfield was kind. Call me at 555-123-4567 <script>alert(1)</script>",
    )

    response = client.get(moderate_url(feedback))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Trustville Police" in body and "October 2026" in body
    assert '<mark title="phone number">555-123-4567</mark>' in body
    assert '<mark title="name">Whitfield</mark>' in body  # an officer's surname alone
    assert "[phone removed]" in body and "[name removed]" in body  # the proposal, editable
    assert "Traffic stop" not in body  # no kind of contact,
    assert "Riverside Precinct" not in body  # no district, no answers, no demographics
    assert "25_34" not in body
    assert "<script>alert(1)</script>" not in body
    assert "no-store" in response["Cache-Control"]
    assert "<select" not in body  # reasons are radio buttons, not a dropdown


def test_spanish_screen_proposes_spanish_placeholders(client, agency, moderator):
    feedback = CommentFactory(agency=agency, comment="Me llamo Juan, mi teléfono 555-123-4567.")

    body = client.get(moderate_url(feedback), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "[nombre eliminado]" in body and "[teléfono eliminado]" in body
    assert "[name removed]" not in body


def test_publishing_stays_on_the_comment_and_refreshes_the_agency_page(
    client, agency, moderator, django_capture_on_commit_callbacks
):
    feedback = CommentFactory(agency=agency, comment="Call me at 555-123-4567, thanks!")
    CommentFactory(agency=agency)  # another one waiting
    with (
        mock.patch("feedback.moderation.agency_data_changed") as changed,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            moderate_url(feedback), {"action": "publish", "text": "Call me at [phone removed]"}
        )

    assert response.status_code == 302
    assert response["Location"] == moderate_url(feedback)  # stays until the moderator moves on
    feedback.refresh_from_db()
    assert feedback.moderation_state == Feedback.Moderation.PUBLISHED
    assert feedback.published_text == "Call me at [phone removed]"
    assert feedback.comment == "Call me at 555-123-4567, thanks!"  # the original is kept apart
    decision = feedback.decisions.get()
    assert (decision.action, decision.moderator) == ("publish", moderator)
    changed.assert_called_once_with(agency.pk)
    page = client.get(moderate_url(feedback)).content.decode()
    assert "Published. The comment stays here until you move on." in page
    assert "Next comment" in page


def test_publish_and_answer_in_one_step(client, agency, moderator):
    feedback = CommentFactory(agency=agency, comment="Slow response.")

    client.post(
        moderate_url(feedback),
        {"action": "publish", "text": "Slow response.", "response": "We added a patrol car."},
    )

    reply = PublicResponse.objects.get(feedback=feedback)
    assert (reply.body, reply.author) == ("We added a patrol car.", moderator)


def test_the_response_can_be_written_in_spanish_too(client, agency, moderator):
    feedback = CommentFactory(agency=agency, comment="Slow response.")

    client.post(
        moderate_url(feedback),
        {
            "action": "publish",
            "text": "Slow response.",
            "response": "We added a patrol car.",
            "response_es": "Añadimos una patrulla.",
        },
    )

    reply = PublicResponse.objects.get(feedback=feedback)
    assert (reply.body, reply.body_es) == ("We added a patrol car.", "Añadimos una patrulla.")
    assert "Añadimos una patrulla." in client.get(moderate_url(feedback)).content.decode()


def test_withholding_needs_a_reason_and_keeps_what_was_typed(client, agency, moderator):
    feedback = CommentFactory(agency=agency)

    refused = client.post(
        moderate_url(feedback),
        {"action": "withhold", "reason": "", "text": "My edited text", "response": "Draft reply"},
    )
    wrong = client.post(moderate_url(feedback), {"action": "withhold", "reason": "rude"})
    accepted = client.post(moderate_url(feedback), {"action": "withhold", "reason": "spam"})

    body = refused.content.decode()
    assert refused.status_code == 200 and wrong.status_code == 200
    assert "Nothing was saved" in body and 'href="#id_reason_0"' in body
    assert "My edited text" in body and "Draft reply" in body
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


def test_the_next_comment_link_follows_the_queue(client, agency, moderator):
    first, second = CommentFactory(agency=agency), CommentFactory(agency=agency)
    order = sorted([first, second], key=lambda c: c.comment_release.key)

    page = client.get(moderate_url(order[0])).content.decode()

    assert f'href="{moderate_url(order[1])}"' in page


def test_moderator_answers_updates_and_takes_down_a_response(client, agency, moderator):
    feedback = CommentFactory(
        agency=agency, moderation_state="published", published_text="Slow response."
    )

    client.post(moderate_url(feedback), {"action": "respond", "response": "A second car."})
    client.post(moderate_url(feedback), {"action": "respond", "response": "Two more cars."})
    assert PublicResponse.objects.get(feedback=feedback).body == "Two more cars."
    assert "Two more cars." in client.get(moderate_url(feedback)).content.decode()

    client.post(moderate_url(feedback), {"action": "unrespond"})
    assert not PublicResponse.objects.filter(feedback=feedback).exists()


def test_withdrawing_a_published_comment_removes_its_response(client, agency, moderator):
    feedback = CommentFactory(agency=agency, moderation_state="published", published_text="Hi")
    client.post(moderate_url(feedback), {"action": "respond", "response": "Thanks"})

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
    assert moderator.username in log and moderate_url(feedback) in log
    assert "Traffic stop" not in log  # the decision log names no kind of contact either


# --- public responses: written on the moderation screen only ------------------------------------


def test_public_responses_cannot_be_added_or_edited_around_the_services(client, agency, moderator):
    feedback = CommentFactory(agency=agency, moderation_state="published", published_text="Hi")
    client.post(moderate_url(feedback), {"action": "respond", "response": "Thanks"})
    reply = PublicResponse.objects.get(feedback=feedback)

    add = client.get(reverse("admin:feedback_publicresponse_add"))
    change = client.get(reverse("admin:feedback_publicresponse_change", args=[reply.pk]))
    listing = client.get(reverse("admin:feedback_publicresponse_changelist")).content.decode()

    assert add.status_code == 403
    assert change.status_code == 302 and change["Location"] == moderate_url(feedback)
    assert "Thanks" in listing and moderate_url(feedback) in listing


# --- private comments and kudos, for the agency's reviewers --------------------------------------


@pytest.mark.parametrize("role", [Membership.Role.ADMIN, Membership.Role.MODERATOR])
def test_reviewers_read_private_comments_once_released_without_context(client, agency, role):
    client.force_login(staff_user(agency, role))
    district = DistrictFactory(agency=agency, name="Riverside Precinct")
    private = {
        "agency": agency,
        "publish_consent": False,
        "moderation_state": Feedback.Moderation.PRIVATE,
        "district": district,
        "category": "traffic_stop",
    }
    CommentFactory(**private, comment="Only for your reviewers")
    CommentFactory(**private, comment="Written today", released=False)
    CommentFactory(
        comment="Another agency's secret", publish_consent=False, moderation_state="private"
    )

    body = client.get(PRIVATE).content.decode()

    assert "Only for your reviewers" in body
    assert "Written today" not in body and "Another agency's secret" not in body
    assert "Riverside Precinct" not in body and "Traffic stop" not in body


def test_private_comments_are_never_open_for_publication(client, agency, moderator):
    private = CommentFactory(
        agency=agency, publish_consent=False, moderation_state=Feedback.Moderation.PRIVATE
    )

    response = client.post(moderate_url(private), {"action": "publish", "text": "x"})

    assert response.status_code == 404
    private.refresh_from_db()
    assert private.moderation_state == Feedback.Moderation.PRIVATE


def test_analysts_read_neither_private_comments_nor_kudos(client, agency):
    client.force_login(staff_user(agency, Membership.Role.ANALYST))

    assert client.get(PRIVATE).status_code == 403
    assert client.get(KUDOS).status_code == 403


def test_kudos_reach_reviewers_in_the_daily_batch_with_the_officers_named(client, agency):
    client.force_login(staff_user(agency, Membership.Role.ADMIN))
    dana = OfficerFactory(agency=agency, display_name="Dana Whitfield")
    sent = kudos_send(agency=agency, officers=[dana], message="Thank you for your patience.")

    before = client.get(KUDOS).content.decode()
    comments_release(include_today=True)
    after = client.get(KUDOS).content.decode()

    assert "Thank you for your patience." not in before
    assert "Thank you for your patience." in after and "Dana Whitfield" in after
    assert Kudos.objects.get(pk=sent.pk).released_on == dt.date.today()
