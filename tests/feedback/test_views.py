"""The community member's path through URLs: every refusal and error path keeps the person's input."""

import datetime as dt
import re
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.test import Client, override_settings
from django.urls import reverse

from feedback.models import Feedback, FeedbackCode
from tests.factories import AgencyFactory, FeedbackCodeFactory

from .conftest import CODE, old_token, survey_post

pytestmark = pytest.mark.django_db
SURVEY_URL = f"/f/{CODE}"


def es(client: Client) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "es"
    return client


# --- entry --------------------------------------------------------------------------------------


def test_entry_page_asks_for_the_code(client) -> None:
    response = client.get(reverse("feedback:entry"))
    assert response.status_code == 200
    assert b'name="code"' in response.content
    assert response["Cache-Control"].count("no-store") == 1
    assert response["Referrer-Policy"] == "strict-origin"


@pytest.mark.parametrize("typed", [CODE, "7kq2 m9xd 4hpb r", "7KQ2M9XD4HPBR", " 7kq2-m9xd-4hpb-r "])
def test_entry_normalises_the_code_and_redirects_to_the_survey(client, code, typed) -> None:
    response = client.post(reverse("feedback:entry"), {"code": typed})
    assert response.status_code == 303
    assert response["Location"] == SURVEY_URL


def test_entry_accepts_crockford_lookalikes(client, agency) -> None:
    FeedbackCodeFactory(code="0110-0000-0000-0", agency=agency)
    response = client.post(reverse("feedback:entry"), {"code": "OIL0-oooo-0000-o"})
    assert response.status_code == 303 and response["Location"] == "/f/0110-0000-0000-0"


def test_entry_rejects_what_cannot_be_a_code_and_keeps_it(client) -> None:
    response = client.post(reverse("feedback:entry"), {"code": "hello!"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "does not look like a feedback code" in content
    assert 'value="hello!"' in content
    assert 'id="error-summary"' in content and 'href="#id_code"' in content


def test_entry_unknown_code_is_refused_with_a_way_forward(client, agency) -> None:
    response = client.post(reverse("feedback:entry"), {"code": CODE})
    assert response.status_code == 404
    assert "We could not find this code" in response.content.decode()
    assert b'name="code"' in response.content


def test_unknown_code_is_offered_back_exactly_as_typed(client, agency) -> None:
    typed = "7kq2 m9xd 4hpb x"  # one character wrong
    response = client.post(reverse("feedback:entry"), {"code": typed})
    assert response.status_code == 404
    assert f'name="code" id="id_code" value="{typed}"' in response.content.decode()
    response = es(Client()).post(reverse("feedback:entry"), {"code": typed})
    assert "No encontramos este código" in response.content.decode()
    assert f'value="{typed}"' in response.content.decode()


def test_unknown_code_from_a_link_is_offered_back_in_the_form(client, agency) -> None:
    response = client.get("/f/7KQ2-M9XD-4HPB-X")
    assert response.status_code == 404
    assert 'value="7KQ2-M9XD-4HPB-X"' in response.content.decode()


@pytest.mark.parametrize(
    "pasted",
    [
        "7kq2-m9xd-4hpb-r",
        "7KQ2\u00a0M9XD\u00a04HPB\u00a0R",  # no-break spaces from a text message
        "7KQ2\u2013M9XD\u2013 4HPB\u2013R",  # en dashes from a word processor
        "\t7KQ2 M9XD 4HPB R\r\n",
        "7kq2.m9xd.4hpb.r\u200b",
    ],
)
def test_pasted_codes_are_accepted(client, code, pasted) -> None:
    response = client.post(reverse("feedback:entry"), {"code": pasted})
    assert response.status_code == 303 and response["Location"] == SURVEY_URL


# --- refusals on the link form, in English and Spanish ------------------------------------------


REFUSALS = {
    "unknown": (404, "We could not find this code", "No encontramos este código"),
    "expired": (410, "This code has expired", "Este código ha vencido"),
    "used": (410, "This code has already been used", "Este código ya se usó"),
    "unpublished": (404, "not taking feedback here yet", "todavía no recibe opiniones aquí"),
}


def make_refused(kind: str) -> None:
    agency = AgencyFactory(published=kind != "unpublished")
    if kind == "unknown":
        return
    FeedbackCodeFactory(
        code=CODE,
        agency=agency,
        redeemed=kind == "used",
        expires_on=dt.date.today() + dt.timedelta(days=-1 if kind == "expired" else 10),
    )


@pytest.mark.parametrize("kind", REFUSALS)
def test_link_refusals_are_specific_and_translated(client, kind) -> None:
    make_refused(kind)
    status, english, spanish = REFUSALS[kind]
    response = client.get(SURVEY_URL)
    assert response.status_code == status
    assert english in response.content.decode()
    assert b"Riverside" not in response.content  # nothing more is revealed
    response = es(Client()).get(SURVEY_URL)
    assert response.status_code == status
    assert spanish in response.content.decode()


def test_malformed_link_code_is_an_unknown_code(client) -> None:
    response = client.get("/f/not-a-code")
    assert response.status_code == 404
    assert "We could not find this code" in response.content.decode()


def test_refusal_after_filling_the_survey_gives_the_comment_back(client, code) -> None:
    FeedbackCode.objects.filter(pk=code.pk).update(
        expires_on=dt.date.today() - dt.timedelta(days=1)
    )
    response = client.post(SURVEY_URL, survey_post(comment="My long story"))
    assert response.status_code == 410
    assert "My long story" in response.content.decode()


# --- survey page ---------------------------------------------------------------------------------


def test_survey_shows_agency_category_and_month_and_groups_items_by_pillar(client, code) -> None:
    response = client.get(SURVEY_URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Your feedback for Riverside Police Department" in content
    assert "Traffic stop" in content and "October 2026" in content
    assert "CAD-" not in content and "Officer" not in content and "North" not in content
    headings = re.findall(r"<h2>([^<]+)</h2>", content)
    assert headings[:5] == [
        "Voice",
        "Dignity and respect",
        "Neutrality",
        "Trustworthy motives",
        "Overall",
    ]
    assert "The officer listened to what I had to say." in content
    assert content.count('value="na"') == 10
    assert "Please do not include names, phone numbers, addresses or licence plates" in content
    assert 'value="private" id="id_publish_0" checked' in content  # private by default
    assert "Prefer not to say" in content


def test_survey_is_spanish_when_the_browser_asks_for_it(code) -> None:
    response = es(Client()).get(SURVEY_URL)
    content = response.content.decode()
    assert 'lang="es"' in content
    assert "El agente escuchó lo que yo tenía que decir." in content
    assert "Totalmente de acuerdo" in content and "No aplica" in content
    assert "octubre de 2026" in content.lower()


def test_survey_and_thanks_are_not_cached_and_send_no_referrer(client, code) -> None:
    response = client.get(SURVEY_URL)
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "strict-origin"
    response = client.post(SURVEY_URL, survey_post(), follow=True)
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "strict-origin"


def test_survey_sets_no_cookie_but_csrf(client, code) -> None:
    response = client.get(SURVEY_URL)
    assert set(response.cookies) <= {"csrftoken"}
    response = client.post(SURVEY_URL, survey_post(), follow=True)
    assert set(client.cookies) <= {"csrftoken"}
    assert "sessionid" not in client.cookies


def test_csrf_is_enforced(code) -> None:
    response = Client(enforce_csrf_checks=True).post(SURVEY_URL, survey_post())
    assert response.status_code == 403
    assert Feedback.objects.count() == 0


# --- submission ----------------------------------------------------------------------------------


def test_complete_submission_redirects_to_thanks_and_stores_one_row(client, code) -> None:
    response = client.post(SURVEY_URL, survey_post(comment="Thanks", publish="publish"))
    assert response.status_code == 303
    assert response["Location"].startswith("/feedback/thanks/?t=")
    feedback = Feedback.objects.get()
    assert feedback.moderation_state == "pending"
    page = client.get(response["Location"])
    content = page.content.decode()
    assert "your feedback was received" in content
    assert reverse("feedback:anonymity") in content
    assert 'href="/agencies/riverside/"' in content  # the agency's results


def test_double_submit_shows_thanks_again_without_a_second_row(client, code) -> None:
    data = survey_post()
    first = client.post(SURVEY_URL, data)
    second = client.post(SURVEY_URL, data)  # double click, or back + resubmit
    assert first.status_code == second.status_code == 303
    assert second["Location"].startswith("/feedback/thanks/")
    assert Feedback.objects.count() == 1
    assert client.get(second["Location"]).status_code == 200  # refresh of the thank-you page


def test_someone_else_with_an_old_page_but_no_token_sees_already_used(client, code) -> None:
    client.post(SURVEY_URL, survey_post())
    response = Client().post(SURVEY_URL, survey_post(form_token="forged"))
    assert response.status_code == 410
    assert Feedback.objects.count() == 1


def test_thank_you_with_a_bad_token_is_a_plain_thank_you(client) -> None:
    response = client.get("/feedback/thanks/?t=forged")
    assert response.status_code == 200
    assert "your feedback was received" in response.content.decode()


def test_missing_answers_are_listed_in_a_summary_and_the_rest_is_kept(client, code) -> None:
    data = survey_post(comment="Keep me", age_band="25_44")
    del data["q_voice_listened"]
    response = client.post(SURVEY_URL, data)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="error-summary"' in content
    assert 'href="#id_q_voice_listened_0"' in content
    assert "Choose an answer, or “Doesn&#x27;t apply”." in content or "Choose an answer" in content
    assert "Keep me</textarea>" in content
    assert 'value="25_44" id="id_age_band_1" checked' in content
    assert 'name="q_respect_dignity" value="4" id="id_q_respect_dignity_3" checked' in content
    assert Feedback.objects.count() == 0
    assert not FeedbackCode.objects.get().redeemed


def test_the_empty_survey_is_rendered_once_per_language_and_never_holds_answers(
    client, code
) -> None:
    from django.core.cache import caches

    caches["template_fragments"].clear()
    data = survey_post(age_band="25_44")
    del data["q_voice_listened"]
    client.post(SURVEY_URL, data)  # an error: the form holds this person's answers
    first = client.get(SURVEY_URL).content.decode()
    from feedback.forms import SurveyForm

    rendered = []
    real = SurveyForm.pillar_groups

    def counted(form: SurveyForm) -> list:
        rendered.append(form)
        return real(form)

    with mock.patch.object(SurveyForm, "pillar_groups", counted):
        again = client.get(SURVEY_URL).content.decode()  # served from the fragment cache
        spanish = es(Client()).get(SURVEY_URL).content.decode()
    assert len(rendered) == 1  # the Spanish questions are rendered, the English ones are not
    assert _questions(again) == _questions(first) and len(_questions(first)) > 5000
    assert " checked" not in first.split('name="publish"')[0]  # no one's answers in it
    assert 'id="id_q_voice_listened_0"' in first
    assert 'value="25_44" id="id_age_band_1" checked' not in first
    assert 'lang="es"' in spanish


def _questions(html: str) -> str:
    """The survey's questions and demographics, without the per-request tokens and nonces."""
    return html[html.index('<section class="pillar">') : html.index('<div class="hp"')]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("q_voice_listened", "6"),
        ("q_voice_listened", "0"),
        ("publish", "everyone"),
        ("age_band", "42"),
        ("gender", "<script>"),
    ],
)
def test_values_outside_the_allow_lists_are_refused(client, code, field, value) -> None:
    response = client.post(SURVEY_URL, survey_post(**{field: value}))
    assert response.status_code == 200
    assert "Choose one of the answers shown." in response.content.decode()
    assert Feedback.objects.count() == 0


def test_comment_over_2000_characters_is_refused_and_kept(client, code) -> None:
    response = client.post(SURVEY_URL, survey_post(comment="x" * 2001))
    assert response.status_code == 200
    assert "2000" in response.content.decode() or "2,000" in response.content.decode()
    assert "x" * 2001 in response.content.decode()
    assert Feedback.objects.count() == 0


def test_honeypot_filled_is_refused_with_answers_kept(client, code) -> None:
    response = client.post(SURVEY_URL, survey_post(website="http://spam.example", comment="keep"))
    assert response.status_code == 200
    assert "could not be sent" in response.content.decode()
    assert "keep</textarea>" in response.content.decode()
    assert Feedback.objects.count() == 0


def test_submitting_faster_than_a_person_can_is_refused(client, code) -> None:
    response = client.post(SURVEY_URL, survey_post(form_token=old_token(seconds_ago=0)))
    assert response.status_code == 200
    assert "That was very fast" in response.content.decode()
    assert Feedback.objects.count() == 0


def test_a_stale_or_forged_form_token_asks_to_send_again_with_a_fresh_one(client, code) -> None:
    response = client.post(SURVEY_URL, survey_post(form_token="garbage", comment="kept"))
    content = response.content.decode()
    assert "open for a long time" in content and "kept</textarea>" in content
    assert 'name="form_token" value="garbage"' not in content


def test_token_for_another_code_is_not_accepted(client, code) -> None:
    response = client.post(SURVEY_URL, survey_post(form_token=old_token("0000-0000-0000-0")))
    assert "open for a long time" in response.content.decode()


# --- captcha on the page ---------------------------------------------------------------------------


def test_recaptcha_failure_keeps_answers_and_says_try_again(client, code, settings) -> None:
    from urllib.error import URLError

    settings.CAPTCHA_BACKEND = "recaptcha"
    with mock.patch("django_recaptcha.client.recaptcha_request", side_effect=URLError("dns")):
        response = client.post(
            SURVEY_URL, survey_post(comment="still here", **{"g-recaptcha-response": "tok"})
        )
    assert response.status_code == 200
    content = response.content.decode()
    assert "could not check that you are a person" in content
    assert "still here</textarea>" in content
    assert Feedback.objects.count() == 0


def test_recaptcha_success_submits(client, code, settings) -> None:
    import io

    settings.CAPTCHA_BACKEND = "recaptcha"
    with mock.patch(
        "django_recaptcha.client.recaptcha_request", return_value=io.BytesIO(b'{"success": true}')
    ):
        response = client.post(SURVEY_URL, survey_post(**{"g-recaptcha-response": "tok"}))
    assert response.status_code == 303
    assert Feedback.objects.count() == 1


def test_recaptcha_page_loads_google_script_with_the_csp_nonce(client, code, settings) -> None:
    settings.CAPTCHA_BACKEND = "recaptcha"
    response = client.get(SURVEY_URL)
    content = response.content.decode()
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert f'src="https://www.google.com/recaptcha/api.js?hl=en" nonce="{nonce}"' in content


def test_altcha_page_serves_its_solver_from_our_static_files(client, code, settings) -> None:
    settings.CAPTCHA_BACKEND = "altcha"
    content = client.get(SURVEY_URL).content.decode()
    assert 'src="/static/js/altcha-solver.js"' in content
    assert "data-altcha-challenge" in content
    assert 'name="altcha_answer"' not in content  # no question that a regex could answer
    assert "google" not in content.lower()


def _solved_altcha(client: Client) -> str:
    """Solve the page's proof of work as the browser's solver would."""
    import html
    import json

    from tests.feedback.test_captcha import _solve

    page = client.get(SURVEY_URL).content.decode()
    challenge = re.search(r'data-altcha-challenge="([^"]+)"', page).group(1)
    return _solve(json.loads(html.unescape(challenge)))


def test_without_javascript_the_survey_is_sent_and_stored(client, code, settings) -> None:
    settings.CAPTCHA_BACKEND = "altcha"
    response = client.post(SURVEY_URL, survey_post(form_token=old_token(seconds_ago=60)))
    assert response.status_code == 303
    assert Feedback.objects.count() == 1


def test_without_proof_of_work_the_form_must_have_been_open_longer(client, code, settings) -> None:
    settings.CAPTCHA_BACKEND = "altcha"
    settings.ALTCHA_MAX_NUMBER = 2000
    quick = survey_post(form_token=old_token(seconds_ago=10), comment="kept")
    response = client.post(SURVEY_URL, quick)
    assert response.status_code == 200 and "That was very fast" in response.content.decode()
    assert "kept</textarea>" in response.content.decode()
    assert Feedback.objects.count() == 0
    response = client.post(SURVEY_URL, dict(quick, altcha=_solved_altcha(client)))
    assert response.status_code == 303  # with the proof, 10 seconds are plenty


def test_a_bot_skipping_the_proof_of_work_meets_the_tight_limits(agency, settings) -> None:
    """A script with many valid codes, posting without JavaScript from one address."""
    settings.CAPTCHA_BACKEND = "altcha"
    settings.ALTCHA_MAX_NUMBER = 2000
    bot = Client(REMOTE_ADDR="198.51.100.66")
    codes = [f"2222-2222-2222-{n}" for n in range(7)]
    for raw in codes:
        FeedbackCodeFactory(code=raw, agency=agency)
    statuses = [bot.post(f"/f/{raw}", survey_post(raw)).status_code for raw in codes[:6]]
    assert statuses == [303] * 5 + [429]  # FEEDBACK_RATE_UNPROVEN_CLIENT, 5 an hour
    assert Feedback.objects.count() == 5
    # A person on the same address with JavaScript (a proof) is not held up by the bot.
    person = Client(REMOTE_ADDR="198.51.100.66")
    page = person.get(f"/f/{codes[6]}").content.decode()
    import html
    import json

    from tests.feedback.test_captcha import _solve

    challenge = json.loads(
        html.unescape(re.search(r'data-altcha-challenge="([^"]+)"', page).group(1))
    )
    sent = person.post(f"/f/{codes[6]}", survey_post(codes[6], altcha=_solve(challenge)))
    assert sent.status_code == 303 and Feedback.objects.count() == 6


def test_unproven_forms_meet_a_ceiling_per_agency_whatever_the_address(agency, settings) -> None:
    settings.CAPTCHA_BACKEND = "altcha"
    settings.FEEDBACK_RATE_UNPROVEN_AGENCY = "2/h"
    codes = [f"3333-3333-3333-{n}" for n in range(3)]
    for raw in codes:
        FeedbackCodeFactory(code=raw, agency=agency)
    statuses = [
        Client(REMOTE_ADDR=f"203.0.113.{n}").post(f"/f/{raw}", survey_post(raw)).status_code
        for n, raw in enumerate(codes)
    ]
    assert statuses == [303, 303, 429]


# --- rate limits and outages --------------------------------------------------------------------


def test_rate_limited_submission_gets_429_with_retry_after_and_answers_back(
    client, code, settings
) -> None:
    settings.FEEDBACK_RATE_CLIENT = "2/h"
    client.get(SURVEY_URL)
    client.get(SURVEY_URL)
    response = client.post(SURVEY_URL, survey_post(comment="Do not lose me", age_band="65_plus"))
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600
    content = response.content.decode()
    assert "Too many attempts" in content and "minute" in content
    assert "Do not lose me</textarea>" in content
    assert 'value="65_plus" id="id_age_band_3" checked' in content
    assert Feedback.objects.count() == 0


def test_code_guessing_is_limited_per_client_across_codes(client, agency, settings) -> None:
    settings.FEEDBACK_RATE_CLIENT = "5/h"
    statuses = [
        client.post(reverse("feedback:entry"), {"code": f"0000-0000-0000-{n}"}).status_code
        for n in range(7)
    ]
    assert statuses[:5] == [404] * 5 and statuses[5:] == [429, 429]


def test_forged_forwarded_for_does_not_escape_the_client_limit(client, agency, settings) -> None:
    settings.FEEDBACK_RATE_CLIENT = "3/h"
    statuses = [
        client.post(
            reverse("feedback:entry"),
            {"code": f"0000-0000-0000-{n}"},
            HTTP_X_FORWARDED_FOR=f"10.9.9.{n}",
        ).status_code
        for n in range(4)
    ]
    assert statuses[-1] == 429


def test_per_code_limit_applies_to_any_client(agency, settings) -> None:
    settings.FEEDBACK_RATE_CODE = "2/h"
    statuses = [Client(REMOTE_ADDR=f"198.51.100.{n}").get(SURVEY_URL).status_code for n in range(3)]
    assert statuses == [404, 404, 429]


def test_per_agency_ceiling_applies_to_submissions(client, agency, settings) -> None:
    settings.FEEDBACK_RATE_AGENCY = "1/h"
    for n in range(2):
        FeedbackCodeFactory(code=f"1111-1111-1111-{n}", agency=agency)
    first = client.post("/f/1111-1111-1111-0", survey_post("1111-1111-1111-0"))
    second = client.post("/f/1111-1111-1111-1", survey_post("1111-1111-1111-1"))
    assert first.status_code == 303 and second.status_code == 429
    assert Feedback.objects.count() == 1


# The shared cache is down; the per-worker fragment cache of settings.py is not shared, so it stays.
REDIS_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    },
    "template_fragments": django_settings.CACHES["template_fragments"],
}


def test_redis_outage_gives_a_friendly_503_with_answers_kept(client, code) -> None:
    data = survey_post(comment="Keep this safe", gender="woman")
    with override_settings(CACHES=REDIS_DOWN):
        response = client.post(SURVEY_URL, data)
        page = client.get("/anonymity/")
    assert response.status_code == 503
    assert response["Retry-After"]
    content = response.content.decode()
    assert "could not save your answers just now" in content
    assert "Keep this safe</textarea>" in content
    assert 'value="woman" id="id_gender_0" checked' in content
    assert Feedback.objects.count() == 0
    assert page.status_code == 200  # public pages still render


def test_redis_outage_lets_people_open_their_survey_but_not_submit_uncounted(client, code) -> None:
    with override_settings(CACHES=REDIS_DOWN):
        entry = client.post(reverse("feedback:entry"), {"code": CODE})
        page = client.get(SURVEY_URL)
        sent = client.post(SURVEY_URL, survey_post())
    assert entry.status_code == 303  # lookups go on uncounted: 65-bit codes can't be guessed
    assert page.status_code == 200 and b"Send my feedback" in page.content
    assert sent.status_code == 503  # a submission is never accepted without its rate limits
    assert Feedback.objects.count() == 0


# --- bad input -------------------------------------------------------------------------------------


def test_oversized_post_is_a_400(client, code, settings) -> None:
    response = client.post(
        SURVEY_URL, {"comment": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)}
    )
    assert response.status_code == 400


def test_too_many_fields_is_a_400(client, code, settings) -> None:
    data = {f"f{n}": "1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 5)}
    response = client.post(SURVEY_URL, data)
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"--x\r\nbroken", "multipart/form-data; boundary=x"),
        (b"--x\r\nbroken", "multipart/form-data"),
        (b'{"comment": "hi"}', "application/json"),
        (b"comment=hi", "text/plain"),
        (b"comment=only", "application/x-www-form-urlencoded"),
    ],
)
def test_malformed_posts_are_a_400(client, code, body, content_type) -> None:
    response = client.generic("POST", SURVEY_URL, body, content_type=content_type)
    assert response.status_code == 400
    assert Feedback.objects.count() == 0


def test_other_methods_are_refused(client, code) -> None:
    assert client.put(SURVEY_URL).status_code == 405
    assert client.post("/feedback/thanks/").status_code == 405


def test_survey_view_hides_post_parameters_from_error_reports(rf, code) -> None:
    from django.views.debug import SafeExceptionReporterFilter

    request = rf.post(SURVEY_URL, {"comment": "secret comment", "code": CODE, "form_token": "t"})
    from feedback.views import survey

    with (
        mock.patch("feedback.views.code_check", side_effect=RuntimeError),
        pytest.raises(RuntimeError),
    ):
        survey(request, raw_code=CODE)
    params = SafeExceptionReporterFilter().get_post_parameters(request)
    assert "secret comment" not in str(params.values()) and CODE not in str(params.values())


# --- anonymity page ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("backend", "phrase"),
    [("recaptcha", "Google"), ("altcha", "self-hosted"), ("none", "does not use a third-party")],
)
def test_anonymity_page_says_what_is_stored_and_who_is_involved(
    client, settings, backend, phrase
) -> None:
    settings.CAPTCHA_BACKEND = backend
    response = client.get("/anonymity/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "We never keep" in content and "internet (IP) address" in content
    assert phrase in content
    assert "knows who received one" in content  # the honest caveat


def test_anonymity_page_in_spanish_and_for_self_hosted_operators(settings) -> None:
    settings.OPERATOR_MODE = "self-hosted"
    content = es(Client()).get("/anonymity/").content.decode()
    assert "Tu anonimato" in content or "Su anonimato" in content
    assert "la propia agencia" in content


# --- the Trustville demo ---------------------------------------------------------------------------


def test_a_fresh_trustville_demo_code_walks_the_whole_path(client, trustville) -> None:
    from feedback.models import CodeBatch
    from feedback.services import codes_issue

    _, issued = codes_issue(agency=trustville, kind=CodeBatch.Kind.DEMO, count=1)
    code = issued[0][0]
    before = Feedback.objects.filter(agency=trustville).count()
    response = client.post(reverse("feedback:entry"), {"code": code.lower()})
    assert response.status_code == 303
    page = client.get(response["Location"])
    assert "Your feedback for Trustville" in page.content.decode()
    done = client.post(response["Location"], survey_post(code), follow=True)
    assert "your feedback was received" in done.content.decode()
    assert Feedback.objects.filter(agency=trustville).count() == before + 1


def test_database_failure_during_submission_is_a_friendly_503_with_answers_kept(
    client, code
) -> None:
    from django.db import OperationalError

    with mock.patch("feedback.views.feedback_submit", side_effect=OperationalError("gone")):
        response = client.post(SURVEY_URL, survey_post(comment="Save me"))
    assert response.status_code == 503
    assert "Save me</textarea>" in response.content.decode()
    assert not FeedbackCode.objects.get().redeemed


@pytest.mark.parametrize("backend", ["none", "altcha"])
def test_feedback_pages_load_nothing_from_other_hosts(client, code, settings, backend) -> None:
    settings.CAPTCHA_BACKEND = backend
    pages = [client.get("/feedback/"), client.get(SURVEY_URL), client.get("/anonymity/")]
    pages.append(client.post(SURVEY_URL, survey_post(), follow=True))
    for page in pages:
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.content.decode())
        assert sources
        assert not [s for s in sources if s.startswith(("http:", "https:", "//"))], sources
