"""Kudos: a thank-you the respondent chooses to send to the officers of the call (PRIVACY.md 8)."""

import pytest
from django.urls import reverse

from feedback.models import Feedback, Kudos
from feedback.moderation import comments_release
from feedback.rollups import rollups_rebuild
from tests.factories import AgencyFactory, CommentFactory, FeedbackCodeFactory

from .conftest import CODE, survey_post

pytestmark = pytest.mark.django_db
SURVEY_URL = f"/f/{CODE}"


def test_the_survey_offers_a_thank_you_for_a_call_with_officers(client, code) -> None:
    body = client.get(SURVEY_URL).content.decode()
    assert 'name="kudos"' in body and "A thank-you for the officers" in body


def test_no_thank_you_box_on_a_blank_card(client, agency) -> None:
    FeedbackCodeFactory(code=CODE, agency=agency)  # no service call, so no officers
    assert 'name="kudos"' not in client.get(SURVEY_URL).content.decode()


def test_a_thank_you_is_stored_apart_from_the_answers_and_waits_for_the_batch(
    client, code, call
) -> None:
    response = client.post(
        SURVEY_URL, survey_post(kudos="  Thank you for staying calm with my son.  ")
    )

    assert response.status_code == 303
    kudos = Kudos.objects.get()
    assert kudos.message == "Thank you for staying calm with my son."
    assert set(kudos.officers.all()) == set(call.officers.all())
    assert kudos.released_on is None  # reaches reviewers with the next daily batch
    # Nothing on the kudos points at the response; only agency and officers are shared.
    links = {f.related_model for f in Kudos._meta.get_fields() if f.is_relation}
    assert Feedback not in links and {m._meta.model_name for m in links} <= {"agency", "officer"}


def test_a_too_long_thank_you_keeps_everything_typed(client, code) -> None:
    response = client.post(SURVEY_URL, survey_post(kudos="x" * 1001, comment="My comment stays"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Please shorten your thank-you to 1000 characters" in body
    assert "My comment stays" in body and "x" * 1001 in body
    assert not Kudos.objects.exists()


def test_kudos_are_never_picked_by_scores_and_every_one_is_delivered(client, code, call) -> None:
    client.post(SURVEY_URL, survey_post(kudos="Thanks!", **{"q_outcome_1": "1"}))
    released = comments_release(include_today=True)
    assert released.kudos == {call.agency_id: 1}  # a low score is delivered all the same


def test_published_placeholders_read_in_the_pages_language(client) -> None:
    agency = AgencyFactory(slug="placeholders")
    for i in range(12):
        CommentFactory(
            agency=agency,
            moderation_state="published",
            published_text=f"Officer [name removed] was kind ({i}).",
            published_on="2026-10-20",
        )
    rollups_rebuild(agency=agency)  # the page counts published comments from the rollup
    url = reverse("agencies:detail", kwargs={"slug": agency.slug})

    english = client.get(url).content.decode()
    spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Officer [name removed] was kind" in english
    assert "Officer [nombre eliminado] was kind" in spanish and "[name removed]" not in spanish
