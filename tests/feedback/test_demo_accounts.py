"""The public demo logins cannot be taken over, and the nightly reset restores them (SECURITY.md 30)."""

from __future__ import annotations

import io

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies import opendata
from agencies.models import Agency, Membership
from feedback.models import Feedback
from feedback.services_demo import demo_logins_restore, demo_reset
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db
CANARY = "Demo visitor canary 7d1e: published by the demo moderator."


@pytest.fixture
def demo_agency():
    return AgencyFactory(slug="trustville", is_demo=True, published=True)


@pytest.fixture
def moderator(demo_agency, settings):
    demo_logins_restore(agency=demo_agency)
    return get_user_model().objects.get(username=settings.DEMO_STAFF_USERNAME)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_demo_login_cannot_change_its_password(moderator, settings):
    client = signed_in(moderator)
    response = client.post(
        reverse("admin:password_change"),
        {
            "old_password": settings.DEMO_STAFF_PASSWORD,
            "new_password1": "taken-over-by-a-visitor-42",
            "new_password2": "taken-over-by-a-visitor-42",
        },
    )
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    moderator.refresh_from_db()
    assert moderator.check_password(settings.DEMO_STAFF_PASSWORD)


def test_the_demo_login_cannot_enrol_a_second_factor(moderator):
    client = signed_in(moderator)
    assert client.get(reverse("admin:staff_otp")).status_code == 302
    assert client.post(reverse("admin:staff_otp"), {"token": "123456"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=moderator).exists()
    with pytest.raises(PermissionDenied):
        TOTPDevice.objects.create(user=moderator, name="visitor", confirmed=True)


def test_no_path_can_change_the_demo_logins_e_mail_or_password(moderator):
    moderator.email = "visitor@example.org"
    with pytest.raises(PermissionDenied):
        moderator.save()
    moderator.refresh_from_db()
    moderator.set_password("another-password-123")
    with pytest.raises(PermissionDenied):
        moderator.save()


def test_the_demo_page_shows_the_moderator_and_the_analyst_logins(demo_agency, settings):
    body = Client().get(reverse("site:demo")).content.decode()
    for value in (
        settings.DEMO_STAFF_USERNAME,
        settings.DEMO_STAFF_PASSWORD,
        settings.DEMO_ANALYST_USERNAME,
        settings.DEMO_ANALYST_PASSWORD,
    ):
        assert value in body


def test_setup_then_reset_restores_both_logins_completely_and_removes_what_was_published(settings):
    out = io.StringIO()
    call_command("setup_demo", codes=1, stdout=out)
    printed = out.getvalue()
    for value in (
        settings.DEMO_STAFF_USERNAME,
        settings.DEMO_STAFF_PASSWORD,
        settings.DEMO_ANALYST_USERNAME,
        settings.DEMO_ANALYST_PASSWORD,
    ):
        assert value in printed
    User = get_user_model()
    moderator = User.objects.get(username=settings.DEMO_STAFF_USERNAME)
    analyst = User.objects.get(username=settings.DEMO_ANALYST_USERNAME)
    demo = Agency.objects.get(slug="trustville")
    assert Membership.objects.get(user=analyst).role == Membership.Role.ANALYST
    # The analyst sees the internal results (issue 14): the reason for the second login.
    assert signed_in(analyst).get(reverse("admin:feedback_results")).status_code == 200

    # A visitor tampers with everything a login has, around the guards (as a bug might).
    other = AgencyFactory()
    for user in (moderator, analyst):
        User.objects.filter(pk=user.pk).update(
            password="!", email="visitor@example.org", is_active=False, first_name="Mallory"
        )
        TOTPDevice.objects.bulk_create([TOTPDevice(user=user, name="visitor", confirmed=True)])
        Membership.objects.filter(user=user).update(agency=other, role=Membership.Role.ADMIN)
        user.groups.add(Group.objects.create(name=f"extra-{user.pk}"))
        AccessAttempt.objects.create(
            username=user.username, ip_address="fd00::1", user_agent="", failures_since_start=9
        )
    # ... and publishes a comment of the demo agency as its moderator.
    comment = Feedback.objects.filter(agency=demo).exclude(comment="").first()
    Feedback.objects.filter(pk=comment.pk).update(
        moderation_state=Feedback.Moderation.PUBLISHED, published_text=CANARY
    )
    assert not Feedback.objects.filter(published_text=CANARY).exclude(agency=demo).exists()
    for table in opendata.TABLE_NAMES:  # demo agencies are never in national files
        response = Client().get(f"/open-data/{table}.csv")
        assert response.status_code == 200
        assert CANARY not in response.content.decode()

    demo_reset()

    assert not Feedback.objects.filter(published_text=CANARY).exists()
    demo = Agency.objects.get(slug="trustville")
    for username, password, role in (
        (settings.DEMO_STAFF_USERNAME, settings.DEMO_STAFF_PASSWORD, Membership.Role.MODERATOR),
        (settings.DEMO_ANALYST_USERNAME, settings.DEMO_ANALYST_PASSWORD, Membership.Role.ANALYST),
    ):
        user = User.objects.get(username=username)
        assert user.check_password(password)
        assert (user.email, user.first_name, user.is_active, user.is_staff) == ("", "", True, True)
        assert not user.is_superuser and not user.groups.exists()
        assert not TOTPDevice.objects.filter(user=user).exists()
        assert list(Membership.objects.filter(user=user).values_list("agency", "role")) == [
            (demo.pk, role)
        ]
        assert not AccessAttempt.objects.filter(username=username).exists()
        assert Client().login(username=username, password=password)
