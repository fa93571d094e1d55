"""A walk through the staff workspace as the Trustville demo moderator (issue 5, "Done when").

Moderate, redact and answer a comment; print a card sheet whose QR code carries the survey link;
import a CAD CSV with a bad row; and fail to reach another agency's record.
"""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core.management import call_command

from feedback.models import Feedback, PublicResponse
from tests.conftest import DESKTOP, PHONE
from tests.factories import AgencyFactory, CommentFactory, DistrictFactory
from tests.feedback.test_cards import decode_png_grey, read_qr

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMMENT = "Officer Dana Whitfield was patient with me. Call me at 555-123-4567 if you need more."


@pytest.fixture
def demo(trustville, live_server, settings):
    settings.SITE_URL = live_server.url
    call_command("setup_demo", "--codes", "1", stdout=open("/dev/null", "w"))  # noqa: SIM115
    elsewhere = DistrictFactory(agency=AgencyFactory(name="Zebulon Police"), name="Zebulon North")
    return {"agency": trustville, "elsewhere": elsewhere}


def sign_in(page, base):
    page.goto(base + "/admin/login/?next=/admin/")
    page.fill("#id_username", settings.DEMO_STAFF_USERNAME)
    page.fill("#id_password", settings.DEMO_STAFF_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(base + "/admin/")


def test_demo_moderator_walk_at_phone_and_desktop_width(
    live_server, browser_page, screenshot, demo, tmp_path
):
    # One test for both widths: the Trustville fixture is loaded once.
    for viewport, size in ((PHONE, "phone"), (DESKTOP, "desktop")):
        demo["comment"] = CommentFactory(
            agency=demo["agency"], comment=COMMENT, submitted_on=dt.date(2024, 1, 2)
        )
        walk(live_server.url, browser_page(viewport=viewport), screenshot, demo, tmp_path, size)


def walk(base, page, screenshot, demo, tmp_path, size):
    refused = []
    page.on("console", lambda m: "Content Security Policy" in m.text and refused.append(m.text))
    sign_in(page, base)
    screenshot(page, f"staff-{size}-1-index")

    # Moderate: the oldest pending comment opens first, personal data highlighted.
    page.get_by_role("link", name="Comments to review", exact=True).first.click()
    screenshot(page, f"staff-{size}-2-queue")
    page.get_by_role("link", name=re.compile("Dana Whitfield")).click()
    assert page.locator("mark", has_text="555-123-4567").count() >= 1
    proposal = page.locator("textarea[name=text]").input_value()
    assert "[phone removed]" in proposal and "[name removed]" in proposal
    page.locator("textarea[name=text]").fill(proposal.replace(" if you need more", ""))
    screenshot(page, f"staff-{size}-3-moderate")
    page.get_by_role("button", name="Publish this text").click()
    feedback = Feedback.objects.get(pk=demo["comment"].pk)
    assert feedback.moderation_state == "published"
    assert "555" not in feedback.published_text and "Whitfield" not in feedback.published_text

    # Answer it publicly, on the same screen: the moderator stays on the comment after deciding.
    assert page.locator("text=Published. The comment stays here until you move on.").count() == 1
    page.fill("textarea[name=response]", "Thank you. We passed your words on to the officer.")
    page.get_by_role("button", name="Publish the response only").click()
    assert PublicResponse.objects.get(feedback=feedback).body.startswith("Thank you.")
    screenshot(page, f"staff-{size}-4-answered")

    # The Agency Page shows the redacted comment with the agency's answer (its cache was bumped).
    page.goto(base + "/agencies/trustville/")
    shown = page.locator(".comment", has_text=feedback.published_text).first
    assert "We passed your words on to the officer." in shown.inner_text()
    assert "555-123-4567" not in page.content()
    shown.screenshot(
        path=str(
            screenshot(page, f"staff-{size}-4b-agency-page").with_name(
                f"staff-{size}-4c-agency-page-comment.png"
            )
        )
    )

    # Print a card sheet; its QR code carries the survey link for the printed code.
    page.goto(base + "/admin/feedback/codebatch/add/")
    page.fill("#id_count", "4")
    page.select_option("#id_paper", "a4")
    page.get_by_role("button", name="Generate and show the cards").click()
    page.wait_for_selector(".card")
    screenshot(page, f"staff-{size}-5-cards")
    code = page.locator(".card__code").first.inner_text().split(":")[-1].strip()
    png = page.locator(".card__qr").first.screenshot()
    assert read_qr(*decode_png_grey(png)) == [f"{base}/f/{code}"]
    page.emulate_media(media="print")
    screenshot(page, f"staff-{size}-6-cards-print")
    page.emulate_media(media="screen")

    # Import a CAD CSV with a bad row: the row error shows, nothing is written.
    csv_path = tmp_path / "cad.csv"
    csv_path.write_text(
        "reference,date,category,call_type,district,officers\n"
        f"WALK-{size},2026-10-01,Traffic stop,,North,T-1021\n"
        "WALK-2,2026-10-02,Parade,,Atlantis,\n"
    )
    page.goto(base + "/admin/feedback/servicecall/import/")
    page.set_input_files("#id_file", str(csv_path))
    page.get_by_role("button", name="Upload and continue").click()
    if page.get_by_role("button", name="Check the calls").count():
        page.get_by_role("button", name="Check the calls").click()
    page.wait_for_selector("text=Nothing was imported")
    row_error = page.locator(".import-row-errors li", has_text="Unknown district “Atlantis”.")
    assert row_error.inner_text().startswith("Row 3, column “district”:")
    assert row_error.is_visible()
    screenshot(page, f"staff-{size}-7-import-error")
    assert not demo["agency"].service_calls.filter(reference__startswith="WALK").exists()

    # Another agency's record is out of reach.
    response = page.goto(f"{base}/admin/agencies/district/{demo['elsewhere'].pk}/change/")
    assert response.status == 404
    assert refused == []
