"""The public site in a real browser: axe-core on every public page, keyboard use, no JavaScript,
no third-party requests, and the demo walk home → Trustville → Try it → survey → results.

Screenshots go to artifacts/screenshots/site-*.png; look at them.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from tests.conftest import DESKTOP, PHONE
from tests.site_pages import SITE_PAGES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Axe()
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
LOCALES = {"en": "en-US", "es": "es-ES"}
CAPTCHA_HOSTS = {"www.google.com", "www.gstatic.com", "www.recaptcha.net"}

# The other areas' public pages, checked here too so that one test covers every public page.
OTHER_PUBLIC_PAGES = [
    "agencies:directory",
    "agencies:methodology",
    "feedback:entry",
    "feedback:anonymity",
]


def assert_no_axe_violations(page: object) -> None:
    results = AXE.run(
        page,
        options={
            "runOnly": {
                "type": "tag",
                "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
            }
        },
    )
    violations = results.response["violations"]
    assert violations == [], f"{page.url}:\n{results.generate_report()}"


def watch_requests(page: object, origin: str) -> list[str]:
    """Collect every request that leaves our own origin (captcha hosts aside)."""
    foreign: list[str] = []

    def check(request: object) -> None:
        url = request.url
        if url.startswith(("data:", "about:")) or url.startswith(origin):
            return
        if urlsplit(url).hostname in CAPTCHA_HOSTS:
            return
        foreign.append(url)

    page.on("request", check)
    return foreign


@pytest.fixture
def no_captcha(settings: object) -> None:
    settings.CAPTCHA_BACKEND = "none"
    settings.FEEDBACK_MIN_SECONDS = 0


@pytest.mark.parametrize("lang", LOCALES)
def test_every_site_page_has_no_axe_violations(
    live_server: object, browser_page: Callable[..., object], trustville: object, lang: str
) -> None:
    page = browser_page(viewport=DESKTOP, locale=LOCALES[lang])
    foreign = watch_requests(page, live_server.url)
    for name in SITE_PAGES + OTHER_PUBLIC_PAGES:
        page.goto(live_server.url + reverse(name))
        assert page.locator("html").get_attribute("lang") == lang
        assert_no_axe_violations(page)
    page.goto(live_server.url + "/no-such-page/")
    assert_no_axe_violations(page)
    page.goto(live_server.url + reverse("feedback:survey", kwargs={"raw_code": "0000-0000-0000-0"}))
    assert_no_axe_violations(page)  # the refusal page of an unknown code
    assert foreign == []


def test_form_error_states_have_no_axe_violations_and_focus_the_summary(
    live_server: object, browser_page: Callable[..., object]
) -> None:
    page = browser_page(viewport=PHONE)
    page.goto(live_server.url + reverse("site:for_agencies"))
    page.get_by_label("Agency name").fill("Springfield Police Department")
    page.get_by_role("button", name="Send the request").click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").is_visible()
    # Focus lands on the summary without any script (autofocus), so it is read out first.
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.get_by_label("Agency name").input_value() == "Springfield Police Department"
    assert_no_axe_violations(page)


def test_keyboard_alone_reaches_and_sends_the_interest_form(
    live_server: object, browser_page: Callable[..., object], screenshot: Callable
) -> None:
    page = browser_page(viewport=DESKTOP)
    page.goto(live_server.url + reverse("home"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    # Focus moved into main: the next Tab lands on the first link of the content.
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "the focused element must show a focus outline"
    screenshot(page, "site-keyboard-focus-desktop-en")
    page.goto(live_server.url + reverse("site:for_agencies"))
    page.get_by_label("Agency name").focus()
    values = [
        "Springfield Police Department",
        "",
        "Springfield",
        "IL",
        "Ana Torres",
        "Chief",
        "ana@springfield.example",
    ]
    for value in values:
        if value:
            page.keyboard.type(value)
        page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # past the message box, onto the button
    assert page.evaluate("document.activeElement.type") == "submit"
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: reverse("site:for_agencies_thanks") in url)


def answer_every_question(page: object) -> None:
    """Pick "agree" (4) on every 1–5 item shown, whatever the survey's markup, by value.

    The optional "About you" questions sit folded in a closed <details>: a person answers only
    what they can see, so the walk does too.
    """
    names = page.eval_on_selector_all(
        "input[type=radio]", "els => [...new Set(els.map(e => e.name))]"
    )
    for name in names:
        if not page.locator(f'input[type=radio][name="{name}"]').first.is_visible():
            continue
        choice = page.locator(f'input[type=radio][name="{name}"][value="4"]')
        if choice.count() == 0:
            choice = page.locator(f'input[type=radio][name="{name}"]').first
        choice.first.check()


@pytest.mark.parametrize("lang", LOCALES)
@pytest.mark.parametrize("size", VIEWPORTS)
def test_demo_walk_from_home_to_results(
    live_server: object,
    browser_page: Callable[..., object],
    screenshot: Callable,
    trustville: object,
    no_captcha: None,
    lang: str,
    size: str,
) -> None:
    javascript = not (lang == "es" and size == "phone")  # one walk with JavaScript off
    page = browser_page(viewport=VIEWPORTS[size], locale=LOCALES[lang], javascript=javascript)
    foreign = watch_requests(page, live_server.url)
    shot = f"site-walk-{size}-{lang}{'' if javascript else '-nojs'}"
    # axe-core is JavaScript: with scripts off it cannot run (the other walks check these pages).
    check = assert_no_axe_violations if javascript else (lambda page: None)

    page.goto(live_server.url + "/")
    screenshot(page, f"{shot}-1-home")
    page.locator(f'a[href="{reverse("site:demo")}"]').first.click()
    page.wait_for_url("**" + reverse("site:demo"))
    check(page)
    screenshot(page, f"{shot}-2-demo")

    page.locator("form.try-form button").click()
    page.wait_for_load_state()
    assert page.locator(".demo-banner").is_visible()
    check(page)
    screenshot(page, f"{shot}-3-survey")

    answer_every_question(page)
    page.locator("main form[method=post] [type=submit]").last.click()
    page.wait_for_load_state()
    assert page.locator(".demo-banner").is_visible()
    check(page)
    screenshot(page, f"{shot}-4-thanks")

    page.locator(f'main a[href="{trustville.get_absolute_url()}"]').first.click()
    page.wait_for_url("**" + trustville.get_absolute_url())
    assert page.locator(".demo-banner").is_visible()
    check(page)
    screenshot(page, f"{shot}-5-results")
    assert foreign == []
