"""The 500s a security review reached with ordinary requests, each now a 400, 404 or 503.

The generated walk over every URL pattern is tests/test_hostile_walk.py; these are the findings
by name, so a regression says which one came back.
"""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

from agencies.models import AgencyInterest, Membership, Subscriber
from tests.factories import AgencyFactory, FeedbackCodeFactory, staff_user

pytestmark = pytest.mark.django_db

# Nothing listens on port 1: every cache call fails at once.
REDIS_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    },
    "template_fragments": django_settings.CACHES["template_fragments"],
}


def browser() -> Client:
    return Client(raise_request_exception=False)


@pytest.fixture
def superuser_client():
    user = get_user_model().objects.create_superuser("root", "", "a-long-enough-password-1")
    client = browser()
    client.force_login(user)
    return client


def test_nul_byte_in_the_directory_search_is_a_400():
    assert browser().get("/agencies/?q=%00").status_code == 400


def test_view_on_site_with_a_non_numeric_id_is_a_404(superuser_client):
    assert superuser_client.get("/admin/r/13/abc/").status_code == 404


def test_nul_byte_in_an_admin_filter_is_a_400(superuser_client):
    assert superuser_client.get("/admin/feedback/feedback/?state=%00").status_code == 400
    staff = browser()
    staff.force_login(staff_user(AgencyFactory(), Membership.Role.ADMIN))
    assert staff.get("/admin/feedback/feedback/?state=%00").status_code == 400


def test_a_year_beyond_any_date_is_a_400(superuser_client):
    url = "/admin/feedback/servicecall/?occurred_on__year=99999999999"
    assert superuser_client.get(url).status_code == 400


@override_settings(AXES_ENABLED=True)
def test_a_100k_character_login_username_is_not_a_500():
    response = browser().post("/admin/login/", {"username": "u" * 100_000, "password": "x"})
    assert response.status_code in {200, 400}
    assert not get_user_model().objects.filter(is_superuser=False).exists()


@override_settings(CACHES=REDIS_DOWN)
def test_with_redis_down_the_demo_button_is_a_friendly_503():
    response = browser().post("/demo/try/")
    assert response.status_code == 503
    assert response["Retry-After"]


@override_settings(CACHES=REDIS_DOWN)
@pytest.mark.parametrize(
    ("path", "data", "model"),
    [
        (
            "/stay-connected/",
            {"email": "ana@example.org", "city": "Tulsa", "state": "OK"},
            Subscriber,
        ),
        (
            "/for-agencies/",
            {
                "agency_name": "Eastport Police Department",
                "contact_name": "Sam Ortiz",
                "contact_email": "sam@eastport.example",
                "state": "KS",
                "message": "We would like to try it",
            },
            AgencyInterest,
        ),
    ],
)
def test_with_redis_down_site_forms_answer_503_and_keep_what_was_typed(path, data, model):
    response = browser().post(path, data)
    assert response.status_code == 503
    content = response.content.decode()
    for value in data.values():
        assert value in content
    assert not model.objects.exists()


@override_settings(CACHES=REDIS_DOWN, FEEDBACK_RATE_CODE="3/h", FEEDBACK_RATE_CLIENT="100/h")
def test_with_redis_down_code_lookups_are_still_counted():
    FeedbackCodeFactory(code="7KQ2-M9XD-4HPB-R")
    client = browser()
    statuses = [client.get("/f/7KQ2-M9XD-4HPB-R").status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429]


def test_an_unknown_totp_device_config_is_not_a_500(superuser_client):
    # django-otp's admin view looks the device up unguarded; its secret is never shown anyway.
    assert superuser_client.get("/admin/otp_totp/totpdevice/99999999999/config/").status_code == 403


def test_a_non_numeric_choice_in_an_admin_autocomplete_is_a_400(superuser_client):
    AgencyFactory()
    response = superuser_client.post(
        "/admin/agencies/membership/add/",
        b"user=%ff%fe%c3%28&agency=x&role=admin",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400


def test_a_100k_path_is_answered_quickly_because_logging_it_is_bounded():
    # The log mask once backtracked over a 100 kB "Not Found" path for over a minute.
    response = browser().get("/agencies/" + "A" * 100_000 + "/")
    assert response.status_code == 404
