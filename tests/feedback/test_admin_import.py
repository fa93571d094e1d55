"""Dispatch (CAD) CSV import: preview, row errors, nothing written until confirmed, idempotent."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.models import Membership
from feedback.models import ServiceCall
from tests.factories import AgencyFactory, DistrictFactory, OfficerFactory, staff_user

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:feedback_servicecall_import")
PROCESS = reverse("admin:feedback_servicecall_process_import")
HEADER = "reference,date,category,call_type,district,officers\n"
GOOD = (
    HEADER
    + "CAD-1,2026-10-01,Traffic stop,speeding,North,101\n"
    + "CAD-2,2026-10-02,call_for_help,domestic violence,North,101;102\n"
    + "CAD-3,2026-10-03,TRAFFIC STOP,,,\n"
)


@pytest.fixture
def agency():
    agency = AgencyFactory(name="Trustville Police")
    DistrictFactory(agency=agency, name="North")
    OfficerFactory(agency=agency, badge_number="101")
    OfficerFactory(agency=agency, badge_number="102")
    return agency


@pytest.fixture
def staff(client, agency):
    client.force_login(staff_user(agency, Membership.Role.MODERATOR))


def upload(client, text):
    return client.post(
        IMPORT,
        {
            "format": "0",
            "resource": "0",
            "import_file": SimpleUploadedFile("cad.csv", text.encode(), content_type="text/csv"),
        },
    )


def confirm(client, preview):
    fields = dict(
        re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', preview.content.decode())
    )
    fields.pop("csrfmiddlewaretoken", None)
    return client.post(PROCESS, fields)


def text_of(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_preview_writes_nothing_until_confirmed(client, agency, staff):
    preview = upload(client, GOOD)

    assert preview.status_code == 200
    assert "CAD-2" in preview.content.decode()
    assert not ServiceCall.objects.exists()

    done = confirm(client, preview)

    assert done.status_code == 302
    calls = {c.reference: c for c in ServiceCall.objects.all()}
    assert set(calls) == {"CAD-1", "CAD-2", "CAD-3"}
    assert all(c.agency == agency for c in calls.values())
    assert calls["CAD-2"].sensitive and not calls["CAD-1"].sensitive
    assert calls["CAD-3"].category == "traffic_stop"
    assert sorted(calls["CAD-2"].officers.values_list("badge_number", flat=True)) == ["101", "102"]
    assert calls["CAD-1"].district.name == "North"


def test_reimporting_the_same_file_changes_nothing(client, agency, staff):
    confirm(client, upload(client, GOOD))
    before = sorted(ServiceCall.objects.values_list("pk", "reference", "sensitive", "occurred_on"))

    preview = upload(client, GOOD)
    confirm(client, preview)

    assert "Skip" in text_of(preview) or "skip" in text_of(preview)
    after = sorted(ServiceCall.objects.values_list("pk", "reference", "sensitive", "occurred_on"))
    assert after == before


def test_bad_row_is_reported_with_its_row_number_and_nothing_is_written(client, agency, staff):
    bad = HEADER + "CAD-1,2026-10-01,Traffic stop,,North,\nCAD-2,2026-13-45,nonsense,,Nowhere,999\n"

    response = upload(client, bad)

    text = text_of(response)
    assert "Some rows failed to validate" in text
    rows = re.findall(r"<tr>\s*<td>(\d+)\s*</td>", response.content.decode())
    assert rows == ["2"]  # only the bad row, by its row number
    assert "Unknown category “nonsense”" in text
    assert "Unknown district “Nowhere”" in text
    assert "Unknown officer badge number(s): 999" in text
    assert 'name="import_file_name"' not in response.content.decode()  # no way to confirm
    assert not ServiceCall.objects.exists()


def test_same_reference_in_another_agency_is_a_different_call(client, agency, staff):
    other = AgencyFactory()
    ServiceCall.objects.create(
        agency=other, reference="CAD-1", category="other", occurred_on="2026-01-01"
    )

    confirm(client, upload(client, GOOD))

    assert ServiceCall.objects.get(agency=other, reference="CAD-1").category == "other"
    assert ServiceCall.objects.filter(agency=agency).count() == 3


def test_officers_of_another_agency_cannot_be_attached(client, agency, staff):
    OfficerFactory(badge_number="555")  # another agency's officer

    response = upload(client, HEADER + "CAD-9,2026-10-01,Traffic stop,,,555\n")

    assert "Unknown officer badge number(s): 555" in text_of(response)
    assert not ServiceCall.objects.exists()


def test_analysts_cannot_import(client, agency):
    client.force_login(staff_user(agency, Membership.Role.ANALYST))

    assert client.get(IMPORT).status_code == 403
