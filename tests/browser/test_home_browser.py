import pytest

from tests.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_at_phone_width_switches_to_spanish(live_server, browser_page, screenshot) -> None:
    page = browser_page(viewport=PHONE)
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "en"
    screenshot(page, "home-phone-en")
    page.get_by_role("button", name="Español").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "es"
    assert "anónima" in page.content()
    path = screenshot(page, "home-phone-es")
    assert path.stat().st_size > 5000


def test_home_at_desktop_width_has_a_working_skip_link(
    live_server, browser_page, screenshot
) -> None:
    page = browser_page(viewport=DESKTOP)
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
    screenshot(page, "home-desktop-en")
