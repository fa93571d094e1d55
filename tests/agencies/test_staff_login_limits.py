"""Distributed password guessing, two-step offers, and what sign-in records keep (SECURITY.md 31, 33)."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt, AccessLog
from django.test import Client, override_settings

from agencies import staff_login
from agencies.models import Membership
from tests.factories import AgencyFactory, staff_user

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PASSWORD = "correct-horse-battery-staple"
CANARY_IP = "203.0.113.77"
CANARY_UA = "CanaryAgent/1.0 (staff-canary-91c)"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    # Dozens of sign-ins per test: the production hasher's cost is not what is tested here.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture
def moderator():
    user = staff_user(AgencyFactory(), Membership.Role.MODERATOR)
    user.set_password(PASSWORD)  # hashed with the fast hasher above
    user.save()
    return user


def sign_in(client: Client, username: str, password: str, address: str, **extra):
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
        **extra,
    )


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@override_settings(AXES_ENABLED=True)
def test_forty_guesses_from_ten_addresses_do_not_open_the_account_from_an_eleventh(moderator):
    client = Client()
    for n in range(10):
        for _ in range(4):  # under axes' per-address limit of 5
            sign_in(client, moderator.username, "wrong-guess", f"198.51.100.{n}")
    response = sign_in(client, moderator.username, PASSWORD, "198.51.100.200")
    assert response.status_code == 429
    assert not signed_in(client)
    assert "this account" in response.content.decode()


@override_settings(AXES_ENABLED=True)
def test_the_back_off_is_short_and_bounded_so_the_real_user_gets_back_in(moderator, monkeypatch):
    clock = [1_000_000.0]
    monkeypatch.setattr(staff_login.time, "time", lambda: clock[0])
    client = Client()
    for n in range(11):
        sign_in(client, moderator.username, "wrong-guess", f"198.51.100.{n}")
    assert staff_login.username_wait(moderator.username) == 30
    # Attempts refused while waiting do not lengthen the wait.
    for n in range(20):
        sign_in(client, moderator.username, "wrong-guess", f"192.0.2.{n}")
    assert staff_login.username_wait(moderator.username) == 30
    clock[0] += 31
    response = sign_in(client, moderator.username, PASSWORD, "198.51.100.250")
    assert response.status_code == 302 and signed_in(client)
    # However long an attack goes on, one wait never exceeds the maximum.
    for _ in range(200):
        staff_login.username_failed("someone-else")
    assert staff_login.username_wait("someone-else") <= 900


@override_settings(AXES_ENABLED=True)
def test_a_browser_that_signed_in_before_is_not_held_back(moderator):
    usual = Client()
    assert sign_in(usual, moderator.username, PASSWORD, "198.51.100.1").status_code == 302
    usual.post("/admin/logout/")
    attacker = Client()
    for n in range(30):
        sign_in(attacker, moderator.username, "wrong-guess", f"192.0.2.{n}")
    assert staff_login.username_wait(moderator.username) > 0
    assert sign_in(attacker, moderator.username, PASSWORD, "192.0.2.99").status_code == 429
    response = sign_in(usual, moderator.username, PASSWORD, "198.51.100.1")
    assert response.status_code == 302 and signed_in(usual)


def test_the_username_back_off_is_off_when_the_cache_is_down(moderator, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    assert staff_login.username_failed(moderator.username) == 0
    assert staff_login.username_wait(moderator.username) == 0


def test_every_staff_member_is_offered_two_step_sign_in_at_sign_in(moderator):
    client = Client()
    response = sign_in(client, moderator.username, PASSWORD, "198.51.100.1")
    page = client.get(response["Location"]).content.decode()
    assert "Turn on two-step sign-in" in page and 'href="/admin/two-step/"' in page


@pytest.mark.parametrize(
    ("role", "required", "sent_to_enrol"),
    [
        (Membership.Role.ADMIN, True, True),
        (Membership.Role.ADMIN, False, False),
        (Membership.Role.MODERATOR, True, False),
    ],
)
def test_two_step_sign_in_can_be_required_for_agency_admins(
    settings, role, required, sent_to_enrol
):
    settings.STAFF_TOTP_REQUIRED_FOR_ADMINS = required
    client = Client()
    client.force_login(staff_user(AgencyFactory(), role))
    response = client.get("/admin/")
    if sent_to_enrol:
        assert response.status_code == 302 and response["Location"] == "/admin/two-step/"
        assert client.get("/admin/two-step/").status_code == 200
    else:
        assert response.status_code == 200


@override_settings(AXES_ENABLED=True)
def test_sign_in_records_hold_no_address_and_no_user_agent(moderator):
    client = Client()
    for _ in range(2):
        sign_in(client, moderator.username, "wrong", CANARY_IP, HTTP_USER_AGENT=CANARY_UA)
    sign_in(client, moderator.username, PASSWORD, CANARY_IP, HTTP_USER_AGENT=CANARY_UA)
    rows = list(AccessAttempt.objects.values("ip_address", "user_agent"))
    rows += list(AccessLog.objects.values("ip_address", "user_agent"))
    assert rows
    for row in rows:
        assert row["ip_address"] != CANARY_IP and row["ip_address"].startswith("fd")
        assert CANARY_UA not in row["user_agent"]


@override_settings(AXES_ENABLED=True)
def test_the_daily_pseudonym_still_locks_one_address_out(moderator):
    client = Client()
    for _ in range(5):
        sign_in(client, moderator.username, "wrong", CANARY_IP)
    assert sign_in(client, moderator.username, PASSWORD, CANARY_IP).status_code == 429
    assert AccessAttempt.objects.values_list("ip_address", flat=True).distinct().count() == 1
