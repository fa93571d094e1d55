"""Codes and cards in the staff workspace: batches, printable sheets, CSV, response rates."""

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse

from agencies.models import Membership
from feedback.codes import code_digest, normalize_code
from feedback.models import CodeBatch, FeedbackCode
from tests.factories import (
    AgencyFactory,
    CodeBatchFactory,
    DistrictFactory,
    ServiceCallFactory,
    staff_user,
)
from tests.feedback.test_cards import rasterise_drawing, read_qr

pytestmark = pytest.mark.django_db

CODE_RE = re.compile(
    r"\b[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]\b"
)
BLANK = reverse("admin:feedback_codebatch_add")
CALLS = reverse("admin:feedback_servicecall_changelist")


@pytest.fixture
def agency():
    return AgencyFactory(name="Trustville Police", slug="trustville")


@pytest.fixture
def moderator(client, agency):
    user = staff_user(agency, Membership.Role.MODERATOR)
    client.force_login(user)
    return user


def blank_cards(client, HTTP_HOST=None, **data):  # noqa: N803 - the test client's keyword
    form = {"count": 3, "output": "sheet", "paper": "letter", "expires_in_days": 60, **data}
    return client.post(BLANK, form, **({"HTTP_HOST": HTTP_HOST} if HTTP_HOST else {}))


def test_blank_cards_print_once_and_only_digests_are_kept(client, agency, moderator):
    response = blank_cards(client)

    body = response.content.decode()
    codes = sorted(set(CODE_RE.findall(body)))
    assert response.status_code == 200
    assert len(codes) == 3
    assert "no-store" in response["Cache-Control"]
    assert body.count("Trustville Police") >= 3
    assert 'lang="es"' in body and "Anónimo" in body
    batch = CodeBatch.objects.get()
    assert (batch.agency, batch.size, batch.kind, batch.created_by) == (
        agency,
        3,
        "blank",
        moderator,
    )
    stored = set(FeedbackCode.objects.filter(batch=batch).values_list("digest", flat=True))
    assert stored == {code_digest(normalize_code(c)) for c in codes}
    assert not any(c in d or normalize_code(c) in d for c in codes for d in stored)


def test_the_qr_code_on_a_card_opens_the_survey_for_that_code(client, agency, moderator, settings):
    settings.SITE_URL = "https://feedback.example.org/"
    body = blank_cards(client, count=1).content.decode()

    (code,) = set(CODE_RE.findall(body))
    size, path = re.search(r'viewBox="0 0 (\d+) \1".*?<path d="([^"]+)"', body, re.S).groups()
    assert read_qr(*rasterise_drawing(int(size), path)) == [
        f"https://feedback.example.org/f/{code}"
    ]


def test_blank_cards_for_a_district_of_another_agency_are_refused(client, agency, moderator):
    elsewhere = DistrictFactory(name="Zebulon North")

    response = blank_cards(client, district=elsewhere.pk)

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not CodeBatch.objects.exists()


def test_paper_size_selects_the_print_page_size(client, agency, moderator):
    assert "card-sheet--a4" in blank_cards(client, paper="a4").content.decode()
    assert "card-sheet--letter" in blank_cards(client, paper="letter").content.decode()


def test_csv_for_text_messages_has_links_and_both_languages(client, agency, moderator, settings):
    settings.SITE_URL = "https://feedback.example.org"
    response = blank_cards(client, count=2, output="csv")

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    assert len(rows) == 2
    assert rows[0]["link"] == f"https://feedback.example.org/f/{rows[0]['code']}"
    assert "Trustville Police" in rows[0]["message_en"] and rows[0]["link"] in rows[0]["message_es"]


def test_codes_for_selected_calls_skip_sensitive_calls(client, agency, moderator):
    ordinary = ServiceCallFactory(agency=agency)
    sensitive = ServiceCallFactory(agency=agency, call_type="domestic violence", sensitive=True)
    data = {"action": "generate_codes", "_selected_action": [ordinary.pk, sensitive.pk]}

    confirm = client.post(CALLS, data)
    printed = client.post(
        CALLS,
        {**data, "confirm": "1", "output": "sheet", "paper": "a4", "expires_in_days": 30},
    )

    assert "1 selected call is of a sensitive type" in confirm.content.decode().replace(
        "One selected call", "1 selected call"
    )
    assert len(set(CODE_RE.findall(printed.content.decode()))) == 1
    code = FeedbackCode.objects.get()
    assert code.service_call == ordinary
    assert not FeedbackCode.objects.filter(service_call=sensitive).exists()


def test_only_sensitive_calls_selected_prints_nothing(client, agency, moderator):
    sensitive = ServiceCallFactory(agency=agency, sensitive=True)

    response = client.post(
        CALLS,
        {
            "action": "generate_codes",
            "_selected_action": [sensitive.pk],
            "confirm": "1",
            "output": "sheet",
            "paper": "a4",
            "expires_in_days": 30,
        },
        follow=True,
    )

    assert "every selected call is sensitive" in response.content.decode()
    assert not FeedbackCode.objects.exists()


def test_response_rate_only_after_the_batch_expired_and_from_k_responses(
    client, agency, moderator, settings
):
    """Was: a rate from k codes up, live (a batch of 10 moved from 0 % to 10 % at the moment of a
    submission, issue 11 §5). Now nothing while a code can still be used, then "fewer than k"
    until k responses, then the rate."""
    settings.MIN_PUBLIC_RESPONSES = 10
    past = dt.date.today() - dt.timedelta(days=1)
    future = dt.date.today() + dt.timedelta(days=30)

    def batch(size: int, used: int, expires: dt.date, tag: str) -> None:
        made = CodeBatchFactory(agency=agency, size=size)
        for i in range(size):
            FeedbackCode.objects.create(
                digest=f"{tag}{i:063d}", agency=agency, batch=made, expires_on=expires,
                redeemed=i < used,
            )  # fmt: skip

    batch(10, 0, future, "a")
    before = client.get(reverse("admin:feedback_codebatch_changelist")).content.decode()
    FeedbackCode.objects.filter(digest__startswith="a").filter(
        pk=FeedbackCode.objects.first().pk
    ).update(redeemed=True)
    after = client.get(reverse("admin:feedback_codebatch_changelist")).content.decode()
    assert "shown once its codes have expired" in before
    assert "10 %" not in after and before.count("shown once") == after.count("shown once")
    batch(20, 5, past, "b")
    batch(20, 12, past, "c")

    body = client.get(reverse("admin:feedback_codebatch_changelist")).content.decode()

    assert "fewer than 10 responses" in body
    assert "60 %" in body
    assert "25 %" not in body


def test_individual_codes_are_not_browsable_in_the_admin(client, agency, moderator):
    assert client.get("/admin/feedback/feedbackcode/").status_code == 404


@pytest.mark.parametrize("role", [Membership.Role.ADMIN, Membership.Role.ANALYST])
def test_roles_without_codes_cannot_print(client, agency, role):
    client.force_login(staff_user(agency, role))

    assert blank_cards(client).status_code == 403
    assert not FeedbackCode.objects.exists()


def test_cards_follow_the_laptop_servers_address_when_site_url_is_unset(
    client, agency, moderator, settings
):
    settings.SITE_URL = ""
    settings.DEBUG = True
    settings.ALLOWED_HOSTS = ["127.0.0.1"]

    body = blank_cards(client, count=1, HTTP_HOST="127.0.0.1:8143").content.decode()

    (code,) = set(CODE_RE.findall(body))
    size, path = re.search(r'viewBox="0 0 (\d+) \1".*?<path d="([^"]+)"', body, re.S).groups()
    assert read_qr(*rasterise_drawing(int(size), path)) == [f"http://127.0.0.1:8143/f/{code}"]
    assert "http://127.0.0.1:8143/feedback/" in body
    assert "127.0.0.1:8000" not in body


@pytest.mark.parametrize(
    ("site_url", "debug"), [("https://feedback.example.org", True), ("", False)]
)
def test_production_never_takes_the_address_from_the_request(
    client, agency, moderator, settings, site_url, debug
):
    settings.SITE_URL = site_url
    settings.DEBUG = debug
    settings.ALLOWED_HOSTS = ["evil.example"]

    body = blank_cards(client, count=1, HTTP_HOST="evil.example").content.decode()

    assert "evil.example" not in body
    assert (site_url or "http://127.0.0.1:8000") + "/feedback/" in body
