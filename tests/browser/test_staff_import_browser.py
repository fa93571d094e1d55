"""The staff workspace at desktop width, as a records clerk and an agency admin use it.

A clerk imports a real-looking CAD export (semicolons, its own headers, Windows-1252, 20,000
rows) through the column mapping, sees the sensitive rows marked with their reason, and prints
cards for the rest only. An agency admin invites a colleague. A moderator who opens the results
is told, in the workspace, that the role cannot see them.
"""

import re

import pytest
from django.core import mail

from agencies.models import Membership
from feedback.models import FeedbackCode, ServiceCall
from tests.conftest import DESKTOP, PHONE, SCREENSHOTS
from tests.factories import AgencyFactory, DistrictFactory, OfficerFactory, staff_user
from tests.feedback.test_admin_import import CAD_HEADER, big_export, cad_row

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-staple"  # tests/factories.py


@pytest.fixture
def agency():
    agency = AgencyFactory(name="Trustville Police", slug="trustville-walk")
    DistrictFactory(agency=agency, name="North", code="N1")
    DistrictFactory(agency=agency, name="Peñasco")
    OfficerFactory(agency=agency, badge_number="101", display_name="Dana Whitfield")
    OfficerFactory(agency=agency, badge_number="102", display_name="Luis Ortega")
    return agency


def sign_in(page, base, user):
    page.goto(base + "/admin/login/?next=/admin/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(base + "/admin/")


def test_clerk_imports_a_real_export_and_prints_cards_for_the_rest_only(
    live_server, browser_page, screenshot, agency, tmp_path
):
    base = live_server.url
    clerk = staff_user(agency, Membership.Role.MODERATOR, first_name="Robin")
    page = browser_page(viewport=DESKTOP)
    sign_in(page, base, clerk)
    screenshot(page, "staff-desktop-en-1-index")

    page.get_by_role("link", name="Import calls").first.click()
    screenshot(page, "staff-desktop-en-2-import")

    data, sensitive = big_export(20_000)
    export = tmp_path / "cad-october.csv"
    export.write_bytes(data)
    page.set_input_files("#id_file", str(export))
    page.get_by_role("button", name="Upload and continue").click()
    page.wait_for_selector("text=20,000 calls, read as Windows-1252, separated by semicolon")
    # The columns are guessed from their Spanish names; the clerk checks and goes on.
    assert page.locator("#id_col_reference").input_value() == "Nº Incidente"
    assert page.locator("#id_col_officers").input_value() == "Agentes"
    screenshot(page, "staff-desktop-en-3-columns")

    page.get_by_role("button", name="Check the calls").click()
    page.wait_for_selector(".import-sensitive", timeout=60_000)
    assert page.get_by_text(f"{sensitive:,} sensitive calls").is_visible()
    first = page.locator(".sensitive-row").first
    assert "Domestic violence" in first.inner_text() or "Juvenile" in first.inner_text()
    screenshot(page, "staff-desktop-en-4-check")
    page.screenshot(path=str(SCREENSHOTS / "staff-desktop-en-4b-check-top.png"))
    assert not ServiceCall.objects.filter(agency=agency).exists()

    polled = []
    page.on("requestfinished", lambda r: "/progress/" in r.url and polled.append(r.url))
    page.get_by_role("button", name="Import these calls").click(no_wait_after=True)
    # While the server saves, the page asks how far it has got (static/js/import_progress.js)
    # for its <progress> bar. Playwright cannot read the old page while the next one loads, so
    # the test checks that the page polled; the answers are tested in test_admin_import.py.
    page.wait_for_selector("text=Imported: 20,000 new calls", timeout=120_000)
    assert polled, "the import page never asked for its progress"
    page.screenshot(path=str(SCREENSHOTS / "staff-desktop-en-5-imported.png"))
    assert ServiceCall.objects.filter(agency=agency).count() == 20_000
    assert ServiceCall.objects.filter(agency=agency, sensitive=True).count() == sensitive

    # Print cards for the calls of one search, sensitive ones included in the selection.
    page.goto(base + "/admin/feedback/servicecall/?q=24-00000")
    page.locator("#action-toggle").check()
    selected = ServiceCall.objects.filter(agency=agency, reference__contains="24-00000")
    expected = selected.filter(sensitive=False).count()
    assert 0 < expected < selected.count()
    page.select_option("select[name=action]", "generate_codes")
    page.get_by_role("button", name=re.compile("^(Go|Run)$")).click()
    page.wait_for_selector("text=of a sensitive type and get no code")
    screenshot(page, "staff-desktop-en-6-print-confirm")
    page.get_by_role("button", name="Generate and show the cards").click()
    page.wait_for_selector(".card")
    assert page.locator(".card").count() == expected
    screenshot(page, "staff-desktop-en-7-cards")
    bound = FeedbackCode.objects.filter(agency=agency).values_list("service_call", flat=True)
    assert set(bound) == set(selected.filter(sensitive=False).values_list("pk", flat=True))

    # The same workspace in Spanish, and at phone width.
    es = browser_page(viewport=DESKTOP, locale="es-ES")
    sign_in(es, base, clerk)
    screenshot(es, "staff-desktop-es-1-index")
    es.goto(base + "/admin/feedback/servicecall/import/")
    screenshot(es, "staff-desktop-es-2-import")
    wrong = tmp_path / "wrong.csv"
    wrong.write_bytes(
        (
            CAD_HEADER + cad_row("25-1", "31/10/2026", "Parada de tráfico", "X", "", "Z9", "7")
        ).encode("cp1252")
    )
    es.set_input_files("#id_file", str(wrong))
    es.get_by_role("button", name="Subir y continuar").click()
    es.wait_for_selector("text=No se importó nada")
    assert es.get_by_text("no es una fecha en el formato MM/DD/YYYY").is_visible()
    screenshot(es, "staff-desktop-es-4-check-errors")
    phone = browser_page(viewport=PHONE)
    sign_in(phone, base, clerk)
    screenshot(phone, "staff-phone-en-1-index")
    phone.goto(es.url)  # the check page of the Spanish upload, same clerk
    screenshot(phone, "staff-phone-en-2-check-errors")
    phone.goto(base + "/admin/feedback/servicecall/import/")
    screenshot(phone, "staff-phone-en-3-import")

    # A role that cannot see a page is told so, inside the workspace.
    page.goto(base + "/admin/feedback/feedback/results/")
    assert page.get_by_role("heading", name="Your role cannot see this page").is_visible()
    screenshot(page, "staff-desktop-en-8-role-refused")


def test_agency_admin_invites_a_colleague(live_server, browser_page, screenshot, agency, settings):
    base = live_server.url
    settings.SITE_URL = base
    chief = staff_user(agency, Membership.Role.ADMIN, first_name="Avery", email="avery@example.org")
    page = browser_page(viewport=DESKTOP)
    sign_in(page, base, chief)

    page.get_by_role("link", name="Colleagues").first.click()
    screenshot(page, "staff-desktop-en-9-colleagues")
    page.get_by_role("link", name="Invite a colleague").click()
    page.fill("#id_email", "jordan.lee@example.org")
    page.fill("#id_first_name", "Jordan")
    page.fill("#id_last_name", "Lee")
    page.select_option("#id_role", "analyst")
    screenshot(page, "staff-desktop-en-10-invite")
    page.get_by_role("button", name="Send the invitation").click()
    page.wait_for_selector("text=Invitation sent to jordan.lee@example.org")
    screenshot(page, "staff-desktop-en-11-invited")

    membership = Membership.objects.get(user__email="jordan.lee@example.org")
    assert (membership.agency, membership.role) == (agency, "analyst")
    assert [m.to for m in mail.outbox] == [["jordan.lee@example.org"]]
    link = re.search(r"http\S+/admin/invitation/\S+", mail.outbox[0].body).group(0)
    assert link.startswith(base + "/admin/invitation/")

    es = browser_page(viewport=DESKTOP, locale="es-ES")
    sign_in(es, base, chief)
    es.goto(base + "/admin/agencies/membership/add/")
    screenshot(es, "staff-desktop-es-3-invite")

    # The agency's own sensitive call types, next to the national list.
    page.get_by_role("link", name="Agency profile and sensitive call types").first.click()
    national = page.locator(".field-national_sensitive_kinds")
    national.scroll_into_view_if_needed()
    assert "Human trafficking" in national.inner_text()
    page.locator("#id_sensitive_call_types").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "staff-desktop-en-12-sensitive-list.png"))
