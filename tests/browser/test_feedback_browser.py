"""A person walks the feedback path in Chromium: phone and desktop, English and Spanish, with and
without JavaScript. Screenshots go to artifacts/screenshots/feedback-*.png."""

from __future__ import annotations

import pytest

from feedback.models import Feedback
from surveys.models import Survey
from tests.conftest import DESKTOP, PHONE, ensure_standard_survey
from tests.factories import AgencyFactory, FeedbackCodeFactory, ServiceCallFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = {
    "en": {
        "continue": "Continue",
        "send": "Send my feedback",
        "problem": "There is a problem",
        "thanks": "your feedback was received",
        "title": "Your feedback for",
    },
    "es": {
        "continue": "Continuar",
        "send": "Enviar mi opinión",
        "problem": "Hay un problema",
        "thanks": "recibimos su opinión",
        "title": "Su opinión sobre",
    },
}


@pytest.fixture(autouse=True)
def _survey() -> None:
    ensure_standard_survey()  # transactional tests flush the data migration's rows


@pytest.fixture
def setup(settings):
    settings.CAPTCHA_BACKEND = "altcha"
    settings.ALTCHA_MAX_NUMBER = 3000
    settings.FEEDBACK_MIN_SECONDS = 1
    settings.FEEDBACK_MIN_SECONDS_UNPROVEN = 2  # without JavaScript (no proof of work)
    agency = AgencyFactory(name="Riverside Police Department", slug="riverside")
    call = ServiceCallFactory(agency=agency, category="welfare_check")

    def new_code(text: str) -> str:
        FeedbackCodeFactory(code=text, agency=agency, service_call=call)
        return text

    return new_code


def answer_everything(page, *, keyboard: bool) -> None:
    questions = list(Survey.objects.current().questions.order_by("order"))
    for n, question in enumerate(questions):
        if keyboard and n == 0:
            # Keyboard only: focus the first choice, move with the arrow keys (radio behaviour).
            page.focus(f"#id_q_{question.code}_0")
            page.keyboard.press("ArrowRight")
            page.keyboard.press("ArrowRight")
            assert page.is_checked(f"#id_q_{question.code}_2")
            continue
        value = 5 if n == len(questions) - 1 else 3  # index: 3 = "Agree", 5 = "Doesn't apply"
        page.click(f"label[for=id_q_{question.code}_{value}]")


def open_about_you(page) -> None:
    """The optional questions are folded in a <details> (it works without JavaScript)."""
    if page.get_attribute("details.about-you", "open") is None:
        page.click("details.about-you > summary")


def walk(
    page, live_server, screenshot, *, code: str, lang: str, name: str, javascript: bool
) -> None:
    words = TEXT[lang]
    page.goto(live_server.url + "/feedback/")
    assert page.locator("html").get_attribute("lang") == lang
    screenshot(page, f"feedback-{name}-1-entry")
    page.fill("#id_code", code.lower().replace("-", " "))  # people type codes loosely
    page.get_by_role("button", name=words["continue"]).click()
    page.wait_for_load_state()
    assert words["title"] in page.inner_text("h1")
    screenshot(page, f"feedback-{name}-2-survey")

    # Send with nothing answered: the error summary appears at the top and takes focus.
    page.get_by_role("button", name=words["send"]).click()
    page.wait_for_load_state()
    assert page.is_visible("#error-summary")
    assert words["problem"] in page.inner_text("#error-summary")
    if javascript:
        assert page.evaluate("document.activeElement.id") == "error-summary"
    first_link = page.locator("#error-summary a").first
    screenshot(page, f"feedback-{name}-3-errors")
    first_link.click()  # the summary links to the field
    assert "#id_q_" in page.url

    answer_everything(page, keyboard=javascript)
    page.fill("#id_comment", "Quick and polite." if lang == "en" else "Rápido y amable.")
    page.click("label[for=id_publish_1]")
    open_about_you(page)
    page.click("label[for=id_age_band_4]")  # prefer not to say
    if javascript:
        page.wait_for_function("document.querySelector('input[name=altcha]').value !== ''")
    else:
        assert page.input_value("input[name=altcha]") == ""  # no proof: the unproven limits
        assert page.locator("#id_altcha_answer").count() == 0  # and no question to read
    page.wait_for_timeout(2100)  # a person takes longer than the minimum time on the page
    screenshot(page, f"feedback-{name}-4-filled")
    page.get_by_role("button", name=words["send"]).click()
    page.wait_for_load_state()
    assert words["thanks"] in page.inner_text("h1")
    screenshot(page, f"feedback-{name}-5-thanks")


@pytest.mark.parametrize(
    ("viewport", "locale", "lang", "javascript"),
    [
        (PHONE, "en-US", "en", True),
        (PHONE, "es-ES", "es", True),
        (DESKTOP, "en-US", "en", True),
        (DESKTOP, "es-ES", "es", True),
        (PHONE, "en-US", "en", False),
        (PHONE, "es-ES", "es", False),
        (DESKTOP, "es-ES", "es", False),
    ],
    ids=[
        "phone-en",
        "phone-es",
        "desktop-en",
        "desktop-es",
        "phone-en-nojs",
        "phone-es-nojs",
        "desktop-es-nojs",
    ],
)
def test_person_completes_the_feedback_path(
    live_server, browser_page, screenshot, setup, viewport, locale, lang, javascript, request
) -> None:
    name = request.node.callspec.id
    code = setup("7KQ2-M9XD-4HPB-R")
    page = browser_page(viewport=viewport, javascript=javascript, locale=locale)
    walk(page, live_server, screenshot, code=code, lang=lang, name=name, javascript=javascript)
    feedback = Feedback.objects.get()
    assert feedback.language == lang
    assert feedback.moderation_state == "pending" and feedback.age_band == "prefer_not"
    assert {cookie["name"] for cookie in page.context.cookies()} <= {"csrftoken"}


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_language_switch_on_the_survey_keeps_every_answer_and_the_comment(
    live_server, browser_page, screenshot, setup, javascript
) -> None:
    code = setup("7KQ2-M9XD-4HPB-X")
    page = browser_page(viewport=PHONE, javascript=javascript)
    page.goto(f"{live_server.url}/f/{code}")
    answer_everything(page, keyboard=False)
    page.fill("#id_comment", "Half of my story")
    page.click("label[for=id_publish_1]")
    open_about_you(page)
    page.click("label[for=id_gender_1]")
    page.get_by_role("button", name="Español").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/f/{code}")  # no query string, the same address
    assert "Su opinión sobre" in page.inner_text("h1")
    assert "El agente escuchó lo que yo tenía que decir." in page.inner_text("main")
    assert not page.is_visible("#error-summary")  # switching is not sending
    for question in Survey.objects.current().questions.order_by("order"):
        assert page.locator(f"input[name=q_{question.code}]:checked").count() == 1
    assert page.input_value("#id_comment") == "Half of my story"
    assert page.is_checked("#id_publish_1") and page.is_checked("#id_gender_1")
    screenshot(page, f"feedback-phone-es-switched-{'js' if javascript else 'nojs'}")
    page.wait_for_timeout(2100)
    if javascript:
        page.wait_for_function("document.querySelector('input[name=altcha]').value !== ''")
    page.get_by_role("button", name="Enviar mi opinión").click()
    page.wait_for_load_state()
    assert "recibimos su opinión" in page.inner_text("h1")
    feedback = Feedback.objects.get()
    assert feedback.language == "es" and feedback.gender == "man"


def test_survey_fits_touch_targets_on_a_phone(live_server, browser_page, setup) -> None:
    code = setup("7KQ2-M9XD-4HPB-Z")
    for lang in ("en-US", "es-ES"):
        page = browser_page(viewport=PHONE, locale=lang)
        page.goto(f"{live_server.url}/f/{code}")
        open_about_you(page)
        small = page.evaluate(
            """() => [...document.querySelectorAll(
                  'main label.choice__option, main button, main summary, header button')]
                .map(e => [e.textContent.trim().slice(0, 30), e.getBoundingClientRect()])
                .filter(([, r]) => r.width < 24 || r.height < 24)"""
        )
        assert small == []
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        # Answers sit two to a row on a phone, each wide enough to read.
        widths = page.evaluate(
            "[...document.querySelectorAll('.choice--scale .choice__option')]"
            ".map(e => e.getBoundingClientRect().width)"
        )
        assert min(widths) >= 120


def test_refusal_and_anonymity_pages(live_server, browser_page, screenshot, setup) -> None:
    page = browser_page(viewport=PHONE)
    page.goto(f"{live_server.url}/f/0000-0000-0000-0")
    assert "We could not find this code" in page.inner_text("h1")
    screenshot(page, "feedback-phone-en-refusal")
    page.goto(f"{live_server.url}/feedback/")
    page.fill("#id_code", "7kq2 m9xd 4hpb q")  # one character wrong
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert "We could not find this code" in page.inner_text("h1")
    assert page.input_value("#id_code") == "7kq2 m9xd 4hpb q"  # kept, to fix one character
    page = browser_page(viewport=DESKTOP, locale="es-ES")
    page.goto(f"{live_server.url}/anonymity/")
    assert "anonimato" in page.inner_text("h1").lower()
    screenshot(page, "feedback-desktop-es-anonymity")
    page = browser_page(viewport=PHONE)
    page.goto(f"{live_server.url}/anonymity/")
    screenshot(page, "feedback-phone-en-anonymity")


def test_rate_limited_person_sees_when_to_retry_and_keeps_answers(
    live_server, browser_page, screenshot, setup, settings
) -> None:
    settings.FEEDBACK_RATE_CLIENT = "1/h"  # the survey page itself is the one allowed request
    code = setup("7KQ2-M9XD-4HPB-Y")
    page = browser_page(viewport=PHONE, javascript=False)
    page.goto(f"{live_server.url}/f/{code}")
    answer_everything(page, keyboard=False)
    page.fill("#id_comment", "Please keep this.")
    page.wait_for_timeout(2100)
    page.get_by_role("button", name="Send my feedback").click()
    page.wait_for_load_state()
    assert "Too many attempts" in page.inner_text("#notice")
    assert page.input_value("#id_comment") == "Please keep this."
    assert page.is_checked("#id_q_voice_listened_3")
    screenshot(page, "feedback-phone-en-429")
    assert Feedback.objects.count() == 0


def test_a_trustville_demo_code_in_spanish_on_a_phone(
    live_server, browser_page, screenshot, trustville, settings
) -> None:
    from feedback.models import CodeBatch
    from feedback.services import codes_issue

    settings.CAPTCHA_BACKEND = "altcha"
    settings.ALTCHA_MAX_NUMBER = 3000
    settings.FEEDBACK_MIN_SECONDS = 1
    _, issued = codes_issue(agency=trustville, kind=CodeBatch.Kind.DEMO, count=1)
    before = Feedback.objects.filter(agency=trustville).count()
    page = browser_page(viewport=PHONE, locale="es-ES")
    walk(
        page,
        live_server,
        screenshot,
        code=issued[0][0],
        lang="es",
        name="trustville-phone-es",
        javascript=True,
    )
    assert Feedback.objects.filter(agency=trustville).count() == before + 1
