"""The Trustville demo: "Try it" codes for demo agencies only, rate-limited; a safe nightly reset."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from agencies.models import Agency, Membership
from feedback.codes import code_digest, normalize_code
from feedback.models import Feedback, FeedbackCode
from feedback.services_demo import (
    FixtureClash,
    NotADemoAgency,
    demo_reset,
    feedback_code_issue_demo,
)
from tests.factories import AgencyFactory, UserFactory


@pytest.mark.django_db
def test_demo_code_is_fresh_one_time_and_for_the_demo_agency() -> None:
    demo = AgencyFactory(is_demo=True, published=True)
    code = feedback_code_issue_demo(agency=demo)
    row = FeedbackCode.objects.get(digest=code_digest(normalize_code(code)))
    assert row.agency == demo and row.redeemed is False
    assert feedback_code_issue_demo(agency=demo) != code


@pytest.mark.django_db
def test_demo_codes_are_never_issued_for_a_real_agency() -> None:
    real = AgencyFactory(is_demo=False, published=True)
    with pytest.raises(NotADemoAgency):
        feedback_code_issue_demo(agency=real)
    assert FeedbackCode.objects.count() == 0


@pytest.mark.django_db
def test_try_it_redirects_into_the_survey_with_a_working_code(client: Client) -> None:
    demo = AgencyFactory(is_demo=True, published=True)
    response = client.post(reverse("site:demo_try"))
    assert response.status_code == 302
    code = response["Location"].rstrip("/").rsplit("/", 1)[1]
    assert response["Location"] == reverse("feedback:survey", kwargs={"raw_code": code})
    assert FeedbackCode.objects.get(digest=code_digest(normalize_code(code))).agency == demo


@pytest.mark.django_db
def test_try_it_needs_post(client: Client) -> None:
    AgencyFactory(is_demo=True, published=True)
    assert client.get(reverse("site:demo_try")).status_code == 405
    assert FeedbackCode.objects.count() == 0


@pytest.mark.django_db
def test_try_it_is_rate_limited_per_client(client: Client) -> None:
    AgencyFactory(is_demo=True, published=True)
    statuses = [client.post(reverse("site:demo_try")).status_code for _ in range(11)]
    assert statuses[:10] == [302] * 10
    assert statuses[10] == 429
    assert FeedbackCode.objects.count() == 10


@pytest.mark.django_db
def test_try_it_without_a_demo_agency_is_404(client: Client) -> None:
    AgencyFactory(is_demo=False, published=True)
    assert client.post(reverse("site:demo_try")).status_code == 404


@pytest.mark.django_db
def test_demo_page_shows_the_demo_staff_login(client: Client, settings) -> None:
    AgencyFactory(is_demo=True, published=True)
    body = client.get(reverse("site:demo")).content.decode()
    assert settings.DEMO_STAFF_USERNAME in body
    assert settings.DEMO_STAFF_PASSWORD in body


@pytest.mark.django_db
def test_reset_demo_restores_the_fixture_and_leaves_the_rest_alone(settings) -> None:
    """One test, two resets: loading the fixture is the slow part (~10 s each)."""
    moderator = UserFactory(username=settings.DEMO_STAFF_USERNAME)
    call_command("reset_demo")
    demo = Agency.objects.get(is_demo=True, published=True)
    real = AgencyFactory(is_demo=False, published=True)
    real_code = FeedbackCode.objects.create(
        digest="f" * 64, agency=real, expires_on=dt.date(2030, 1, 1)
    )

    def state() -> tuple[int, int, int]:
        return (
            Feedback.objects.filter(agency__is_demo=True).count(),
            FeedbackCode.objects.filter(agency__is_demo=True).count(),
            Feedback.objects.filter(agency__is_demo=True, moderation_state="published").count(),
        )

    baseline = state()
    feedback_code_issue_demo(agency=demo)
    Feedback.objects.filter(agency=demo).update(moderation_state="withheld")
    Feedback.objects.filter(agency=demo).order_by("pk").first().delete()
    assert state() != baseline

    call_command("reset_demo")

    assert state() == baseline
    assert Agency.objects.filter(pk=real.pk, is_demo=False).exists()
    assert FeedbackCode.objects.filter(pk=real_code.pk).exists()
    # The agency the demo moderator belonged to was replaced; the membership follows it.
    assert Membership.objects.get(user=moderator).agency == Agency.objects.get(
        is_demo=True, published=True
    )


@pytest.mark.django_db
def test_reset_demo_refuses_to_overwrite_a_real_agency_holding_a_fixture_key() -> None:
    squatter = AgencyFactory(pk=1, is_demo=False, slug="springfield")
    with pytest.raises(FixtureClash):
        demo_reset()
    squatter.refresh_from_db()
    assert squatter.slug == "springfield" and not squatter.is_demo
    assert not Agency.objects.filter(is_demo=True).exists()


@pytest.mark.django_db
def test_demo_responses_never_count_in_national_figures(trustville: Agency) -> None:
    """A real agency's comparison pool (stored with its release) holds no demo agency; the same
    responses under a real agency would count. Was: the live national pool (reads.national_trust),
    gone with the live engine."""
    from feedback.models import AgencyRelease
    from feedback.releases import releases_rebuild
    from tests.factories import agency_with_responses

    closed = AgencyRelease.objects.get(agency=trustville).closed_through
    real = agency_with_responses(count=12, month=closed, name="Real PD")
    releases_rebuild(agency=real)
    assert AgencyRelease.objects.get(agency=real).figures["comparison"]["others"] == 0
    Agency.objects.filter(pk=trustville.pk).update(is_demo=False)
    releases_rebuild(agency=real)
    assert AgencyRelease.objects.get(agency=real).figures["comparison"]["others"] == 1
