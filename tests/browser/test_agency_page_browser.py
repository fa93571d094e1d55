import pytest

from agencies.pages import current_closed_month
from surveys.disclosure import add_months
from tests.conftest import DESKTOP, PHONE
from tests.factories import agency_with_responses

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, reset_sequences=True)]


@pytest.fixture(autouse=True)
def standard_survey(transactional_db):
    """Reinstall survey v1 (same ids) when an earlier transactional test flushed it away.

    serialized_rollback did not restore it once ordinary tests had run before in the session.
    """
    import importlib

    from django.apps import apps

    from surveys.models import Survey

    if not Survey.objects.exists():
        migration = importlib.import_module("surveys.migrations.0002_install_standard_survey_v1")
        migration.install(apps, None)


@pytest.fixture
def peers(trustville):
    """Three real (non-demo) agencies, so that Trustville has a national median to compare with."""
    month = add_months(current_closed_month(), -2)
    return [
        agency_with_responses(count=12, month=month, value=v, name=f"Peer {v} PD", state="KS")
        for v in (3, 4, 5)
    ]


@pytest.mark.parametrize(("viewport", "size"), [(PHONE, "phone"), (DESKTOP, "desktop")])
@pytest.mark.parametrize("language", ["en", "es"])
def test_trustville_page_shows_every_element(
    live_server, browser_page, screenshot, peers, viewport, size, language
) -> None:
    page = browser_page(viewport=viewport, javascript=False, locale=language)
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    page.goto(live_server.url + "/agencies/trustville/")
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator(".trust-card .big-number").is_visible()
    assert page.locator("#trend svg circle").count() >= 6
    assert page.locator("#comparison svg").is_visible()
    assert page.locator(".comment").count() == 10
    assert page.locator(".response").count() >= 1
    feedback = page.locator(".give-feedback a")
    assert feedback.get_attribute("href").startswith("/f")
    word = {"en": "Trust index", "es": "Índice de confianza"}[language]
    assert word in page.locator("#scores").text_content()
    path = screenshot(page, f"agency-trustville-{size}-{language}")
    assert path.stat().st_size > 20_000


@pytest.mark.parametrize(("viewport", "size"), [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_language_switch_works_on_a_cached_page_without_javascript(
    live_server, browser_page, screenshot, peers, viewport, size
) -> None:
    url = live_server.url + peers[0].get_absolute_url() + "?trend=24"
    browser_page(javascript=False).goto(url)  # another visitor renders and caches the page
    page = browser_page(viewport=viewport, javascript=False)
    page.goto(url)
    assert page.locator("html").get_attribute("lang") == "en"
    screenshot(page, f"language-switch-cached-{size}-en")
    page.get_by_role("link", name="Español").click()
    assert page.url == url  # back on the same page and options, now in Spanish
    assert page.locator("html").get_attribute("lang") == "es"
    assert "Índice de confianza" in page.locator("#scores").text_content()
    screenshot(page, f"language-switch-cached-{size}-es")
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    cookies = {c["name"] for c in page.context.cookies()}
    assert cookies == {"django_language"}  # no CSRF or session cookie on public pages
