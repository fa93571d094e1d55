"""Staff sign-in: lockout per user and address (django-axes), optional TOTP (django-otp)."""

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import Membership
from tests.factories import AgencyFactory, staff_user

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def agency():
    return AgencyFactory()


def sign_in(client, username, password, address="198.51.100.7", **extra):
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
        **extra,
    )


def fail_five_times(client, username, address="198.51.100.7", **extra):
    for attempt in range(5):
        response = sign_in(client, username, "wrong", address, **extra)
        assert response.status_code == (429 if attempt == 4 else 200)


@override_settings(AXES_ENABLED=True)
def test_repeated_failures_lock_that_user_from_that_address_with_a_friendly_429(client, agency):
    user = staff_user(agency, Membership.Role.MODERATOR)
    fail_five_times(client, user.username)

    response = sign_in(client, user.username, PASSWORD)

    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert "no-store" in response["Cache-Control"]


@override_settings(AXES_ENABLED=True)
def test_colleagues_behind_the_same_address_are_not_locked_out(client, agency):
    victim = staff_user(agency, Membership.Role.MODERATOR)
    colleague = staff_user(agency, Membership.Role.ANALYST)
    fail_five_times(client, victim.username)

    assert sign_in(client, colleague.username, PASSWORD).status_code == 302


@override_settings(AXES_ENABLED=True)
def test_the_user_can_still_sign_in_from_another_address(client, agency):
    user = staff_user(agency, Membership.Role.MODERATOR)
    fail_five_times(client, user.username, address="203.0.113.9")

    assert sign_in(client, user.username, PASSWORD, address="198.51.100.7").status_code == 302


@override_settings(AXES_ENABLED=True, TRUSTED_PROXY_COUNT=0)
def test_a_forged_forwarded_for_header_does_not_escape_the_lockout(client, agency):
    user = staff_user(agency, Membership.Role.MODERATOR)
    for i in range(5):
        sign_in(client, user.username, "wrong", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")

    response = sign_in(client, user.username, PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9")

    assert response.status_code == 429


@override_settings(AXES_ENABLED=True)
def test_the_lockout_ends_after_the_cool_off(client, agency):
    user = staff_user(agency, Membership.Role.MODERATOR)
    fail_five_times(client, user.username)
    # Move the failures back past the 15-minute cool-off instead of waiting.
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=16))

    assert sign_in(client, user.username, PASSWORD).status_code == 302


def test_weak_passwords_are_refused():
    with pytest.raises(ValidationError):
        validate_password("password123")
    validate_password("a long and unusual passphrase 7")


def device_for(user, confirmed=True):
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=confirmed)


def current_token(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_with_a_device_the_password_alone_is_not_enough(client, agency):
    user = staff_user(agency, Membership.Role.MODERATOR)
    device_for(user)

    assert sign_in(client, user.username, PASSWORD).status_code == 200
    assert client.get("/admin/").status_code == 302


def test_with_a_device_password_and_code_open_the_workspace(client, agency):
    user = staff_user(agency, Membership.Role.MODERATOR)
    device = device_for(user)

    response = client.post(
        LOGIN,
        {"username": user.username, "password": PASSWORD, "otp_token": current_token(device)},
    )

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_without_a_device_the_password_is_enough(client, agency):
    user = staff_user(agency, Membership.Role.MODERATOR)

    assert sign_in(client, user.username, PASSWORD).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_session_that_skipped_the_second_step_is_refused(client, agency):
    user = staff_user(agency, Membership.Role.MODERATOR)
    client.force_login(user)
    device_for(user)

    assert client.get("/admin/").status_code == 302


def test_a_wrong_code_does_not_turn_on_the_second_step(client, agency):
    user = staff_user(agency, Membership.Role.ANALYST)
    client.force_login(user)
    client.get("/admin/two-step/")

    response = client.post("/admin/two-step/", {"token": "000000"})

    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_staff_enrol_an_authenticator_and_stay_signed_in(client, agency):
    user = staff_user(agency, Membership.Role.ANALYST)
    client.force_login(user)

    page = client.get("/admin/two-step/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    right = client.post("/admin/two-step/", {"token": current_token(device)})

    assert page.status_code == 200 and "<path d=" in page.content.decode()
    assert right.status_code == 302
    assert TOTPDevice.objects.get(user=user).confirmed
    assert client.get("/admin/").status_code == 200
