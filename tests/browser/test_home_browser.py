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


BOXES = """sel => [...document.querySelectorAll(sel)].map(e => {
    const r = e.getBoundingClientRect();
    return {text: e.textContent.trim().slice(0, 40), left: r.left, right: r.right,
            top: r.top, bottom: r.bottom, width: r.width};
})"""


def _overlap(a: dict, b: dict) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and (b["top"] < a["bottom"])
    )


@pytest.mark.parametrize("locale", ["en-US", "es-ES"])
def test_where_to_start_and_policy_cards_use_the_width_on_a_phone(
    live_server, browser_page, screenshot, trustville, locale
) -> None:
    """The staff card sheet's .cards/.card rules once squeezed these into one-word columns."""
    page = browser_page(viewport=PHONE, locale=locale)
    page.goto(live_server.url + "/")
    cards = page.evaluate(BOXES, ".entries > .card")
    assert len(cards) == 4  # the demo card included
    for card in cards:
        assert card["width"] > PHONE["width"] * 0.8, card
    for card_index in range(len(cards)):
        heading = page.evaluate(BOXES, f".entries > .card:nth-child({card_index + 1}) h3")[0]
        text = page.evaluate(BOXES, f".entries > .card:nth-child({card_index + 1}) p")[0]
        assert not _overlap(heading, text), (heading, text)  # "Pruebe la demostración"
        assert text["width"] >= 120
    screenshot(page, f"home-phone-{locale[:2]}-where-to-start")
    page.goto(live_server.url + "/agencies/trustville/")
    for policy in page.evaluate(BOXES, "#policies .card"):
        assert policy["width"] > PHONE["width"] * 0.8, policy


@pytest.mark.parametrize("locale", ["en-US", "es-ES"])
def test_every_section_link_of_the_agency_page_is_on_screen_on_a_phone(
    live_server, browser_page, screenshot, trustville, locale
) -> None:
    page = browser_page(viewport=PHONE, locale=locale)
    page.goto(live_server.url + "/agencies/trustville/")
    links = page.evaluate(BOXES, ".page-toc a")
    assert len(links) == 7
    for link in links:
        assert link["left"] >= 0 and link["right"] <= PHONE["width"], link
        assert link["bottom"] - link["top"] >= 24, link
    assert page.evaluate("document.querySelector('.page-toc ul').scrollWidth") <= PHONE["width"]
    screenshot(page, f"agency-page-phone-{locale[:2]}-sections")
