"""Dispatch (CAD) import: real exports, the remembered mapping, row errors, all or nothing."""

import random
import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.models import Membership
from feedback import cad
from feedback.models import ServiceCall
from tests.factories import AgencyFactory, DistrictFactory, OfficerFactory, staff_user

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:feedback_servicecall_import")
HEADER = "reference,date,category,call_type,district,officers\n"
GOOD = (
    HEADER
    + "CAD-1,2026-10-01,Traffic stop,speeding,North,101\n"
    + "CAD-2,2026-10-02,call_for_help,Domestic violence - in progress,North,101;102\n"
    + "CAD-3,2026-10-03,TRAFFIC STOP,,,\n"
    + "CAD-4,2026-10-03,Call for help,Juvenile runaway,,\n"
)
# What a real export looks like: its own column names, semicolons, Windows-1252, US dates with
# a time, a CAD code column and several officers in one cell.
CAD_HEADER = "Nº Incidente;Fecha/Hora;Tipo de contacto;Naturaleza;Código;Zona;Agentes\r\n"


def cad_row(ref, date, kind, nature, code, zone, badges):
    return f"{ref};{date};{kind};{nature};{code};{zone};{badges}\r\n"


@pytest.fixture
def agency():
    agency = AgencyFactory(name="Trustville Police")
    DistrictFactory(agency=agency, name="North", code="N1")
    DistrictFactory(agency=agency, name="Peñasco")
    OfficerFactory(agency=agency, badge_number="101")
    OfficerFactory(agency=agency, badge_number="102")
    return agency


@pytest.fixture
def staff(client, agency):
    client.force_login(staff_user(agency, Membership.Role.MODERATOR))


def upload(client, data, name="cad.csv"):
    if isinstance(data, str):
        data = data.encode()
    return client.post(IMPORT, {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


def token_of(response):
    return re.search(r"/import/([\w-]+)/", response["Location"]).group(1)


def columns(client, token, **choices):
    url = reverse("admin:feedback_servicecall_import_columns", args=[token])
    return client.post(url, choices)


def check(client, token):
    return client.get(reverse("admin:feedback_servicecall_import_check", args=[token]))


def save(client, token):
    return client.post(reverse("admin:feedback_servicecall_import_check", args=[token]))


def text_of(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def import_plain(client, text):
    """A file with our own column names: the columns step is offered, pre-filled."""
    response = upload(client, text)
    assert response.status_code == 302, text_of(response)
    token = token_of(response)
    page = client.get(response["Location"])
    selected = r'<select name="(\w+)"[^>]*>(?:(?!</select>).)*?<option value="([^"]*)" selected'
    chosen = dict(re.findall(selected, page.content.decode(), re.S))
    done = columns(client, token, **chosen)
    assert done.status_code == 302, text_of(done)
    return token


# --- the file --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding", "delimiter"),
    [
        (b"a,b\n1,2\n", "utf-8", ","),
        ("\ufeffa;b\r\n1;2\r\n".encode(), "utf-8-sig", ";"),
        ("Año\tZona\nsí\tPeñasco\n".encode("cp1252"), "cp1252", "\t"),
        ("Año;Zona\nsí;Peñasco\n".encode("cp1252"), "cp1252", ";"),
    ],
)
def test_encoding_and_delimiter_are_detected(data, encoding, delimiter):
    parsed = cad.read_file(data)

    assert (parsed.encoding, parsed.delimiter) == (encoding, delimiter)
    assert len(parsed.headers) == 2 and parsed.rows[0][1] in ("2", "Peñasco")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"reference,date\n", "no calls"),
        ("a,b\n".encode("utf-16"), "UTF-16"),
        (b"\x00\x01\x02PK", "does not look like a CSV"),
        (b"a,a\n1,2\n", "same name"),
    ],
)
def test_unreadable_files_are_refused_with_a_sentence(data, message):
    with pytest.raises(cad.CadFileError, match=message):
        cad.read_file(data)


def test_dates_name_the_format_they_expected():
    parsed = cad.read_file(b"ref,when,kind\nA,10/31/2026,other\nB,2026-13-45,other\n")
    mapping = cad.ColumnMapping({"reference": "ref", "date": "when", "category": "kind"})
    lookups = cad.Lookups({"other": "other"}, {}, {}, lambda t, c: "")

    result = cad.check_rows(parsed, mapping, lookups)

    assert result.date_format == "%m/%d/%Y"
    (error,) = result.errors
    assert (error.row, error.column) == (3, "when")
    assert error.message == (
        "“2026-13-45” is not a date in the format MM/DD/YYYY (for example 10/31/2026)."
    )


def test_ambiguous_day_month_prefers_the_remembered_format():
    values = ["03/04/2026", "01/02/2026"]

    assert cad.detect_date_format(values) == "%m/%d/%Y"
    assert cad.detect_date_format(values, preferred="%d/%m/%Y") == "%d/%m/%Y"
    assert cad.detect_date_format(["31/10/2026", "01/02/2026"]) == "%d/%m/%Y"


def test_headers_are_guessed_in_english_and_spanish():
    headers = ("Nº Incidente", "Fecha/Hora", "Tipo de contacto", "Naturaleza", "Código", "Zona")

    guess = cad.guess_mapping(headers)

    assert guess.columns == {
        "reference": "Nº Incidente",
        "date": "Fecha/Hora",
        "category": "Tipo de contacto",
        "call_type": "Naturaleza",
        "call_code": "Código",
        "district": "Zona",
    }


# --- through the admin -----------------------------------------------------------------------


def test_plain_file_is_checked_then_saved_with_sensitive_rows_marked(client, agency, staff):
    token = import_plain(client, GOOD)

    preview = check(client, token)
    body = text_of(preview)
    assert preview.status_code == 200
    assert not ServiceCall.objects.exists()  # checking writes nothing
    assert "4 new calls" in body
    assert "2 sensitive calls" in body and "2 calls can get a feedback card" in body
    rows = re.findall(
        r'<tr class="sensitive-row"><td>(\d+)</td><td>([\w-]+)</td>', preview.content.decode()
    )
    assert rows == [("3", "CAD-2"), ("5", "CAD-4")]
    assert "Domestic violence: keyword" in body and "Juvenile: keyword" in body

    done = save(client, token)

    assert done.status_code == 302
    calls = {c.reference: c for c in ServiceCall.objects.all()}
    assert set(calls) == {"CAD-1", "CAD-2", "CAD-3", "CAD-4"}
    assert all(c.agency == agency for c in calls.values())
    assert {r for r, c in calls.items() if c.sensitive} == {"CAD-2", "CAD-4"}
    assert calls["CAD-3"].category == "traffic_stop"
    assert sorted(calls["CAD-2"].officers.values_list("badge_number", flat=True)) == ["101", "102"]
    assert calls["CAD-1"].district.name == "North"


def test_real_export_through_the_mapping_which_is_remembered(client, agency, staff):
    export = (
        CAD_HEADER
        + cad_row(
            "24-000017",
            "10/01/2026 14:32",
            "Parada de tráfico",
            "SPEEDING",
            "TS",
            "Peñasco",
            "101|102",
        )
        + cad_row(
            "24-000018", "10/02/2026 02:10", "Llamada de ayuda", "DISTURBANCE", "10-16", "N1", ""
        )
    )
    data = export.encode("cp1252")

    response = upload(client, data, "export.csv")
    token = token_of(response)
    assert "/columns/" in response["Location"]
    page = client.get(response["Location"])
    assert "read as Windows-1252, separated by semicolon" in text_of(page)
    columns(
        client,
        token,
        col_reference="Nº Incidente",
        col_date="Fecha/Hora",
        col_category="Tipo de contacto",
        col_call_type="Naturaleza",
        col_call_code="Código",
        col_district="Zona",
        col_officers="Agentes",
    )
    preview = check(client, token)
    assert "Dates read as MM/DD/YYYY" in text_of(preview)
    assert "CAD code “10-16”" in text_of(preview)
    assert save(client, token).status_code == 302

    first, second = ServiceCall.objects.order_by("reference")
    assert (first.occurred_on.isoformat(), first.category, first.district.name) == (
        "2026-10-01",
        "traffic_stop",
        "Peñasco",
    )
    assert first.officers.count() == 2 and not first.sensitive
    assert second.sensitive and second.call_code == "10-16"

    # The next file from the same system skips the columns step.
    again = upload(client, data.replace(b"24-0000", b"24-0001"), "next.csv")
    assert "/check/" in again["Location"]
    assert save(client, token_of(again)).status_code == 302
    assert ServiceCall.objects.count() == 4


def test_reimporting_the_same_file_changes_nothing(client, agency, staff):
    token = import_plain(client, GOOD)
    save(client, token)
    before = sorted(ServiceCall.objects.values_list("pk", "reference", "sensitive", "occurred_on"))

    again = upload(client, GOOD)
    preview = check(client, token_of(again))
    assert "4 calls already imported, unchanged" in text_of(preview)
    save(client, token_of(again))

    after = sorted(ServiceCall.objects.values_list("pk", "reference", "sensitive", "occurred_on"))
    assert after == before


def test_bad_rows_are_reported_and_nothing_is_written(client, agency, staff):
    bad = HEADER + "CAD-1,2026-10-01,Traffic stop,,North,\nCAD-2,2026-13-45,nonsense,,Nowhere,999\n"
    token = import_plain(client, bad)

    preview = check(client, token)
    text = text_of(preview)
    assert "Nothing was imported" in text
    assert "Row 3, column “date”: “2026-13-45” is not a date in the format YYYY-MM-DD" in text
    assert "Row 3, column “category”: Unknown kind of contact “nonsense”" in text
    assert "Row 3, column “district”: Unknown district “Nowhere”" in text
    assert "Unknown officer badge number(s): 999" in text
    assert "Import these calls" not in text

    assert save(client, token).status_code == 400
    assert not ServiceCall.objects.exists()


def test_a_failure_while_saving_changes_nothing(client, agency, staff, monkeypatch):
    token = import_plain(client, GOOD)
    from feedback import services_import

    real = services_import.agency_mapping_remember

    def fail(**kwargs):
        real(**kwargs)
        raise RuntimeError("/srv/app/secret/path.py exploded")

    monkeypatch.setattr(services_import, "agency_mapping_remember", fail)
    response = save(client, token)
    page = client.get(response["Location"])

    assert "The import failed and nothing was changed" in text_of(page)
    assert "/srv/app" not in page.content.decode() and "Traceback" not in page.content.decode()
    assert not ServiceCall.objects.exists()


def test_semicolon_file_with_other_headers_is_no_traceback(client, agency, staff):
    """It used to print a FieldError with server paths."""
    response = upload(client, "Incident;When;What\r\nA;x;y\r\n")
    token = token_of(response)
    page = client.get(response["Location"])
    assert page.status_code == 200

    preview = check(client, token)  # no mapping chosen yet: says what is missing

    assert preview.status_code == 200
    assert "Choose the column for" in text_of(preview)
    assert "Traceback" not in preview.content.decode()
    assert "site-packages" not in preview.content.decode()


def test_template_and_valid_values_are_offered(client, agency, staff):
    page = client.get(IMPORT)
    body = text_of(page)
    for value in ("Traffic stop", "North", "N1", "Peñasco", "101", "Domestic violence"):
        assert value in body

    template = client.get(reverse("admin:feedback_servicecall_import_template"))
    assert template["Content-Type"].startswith("text/csv")
    text = template.content.decode("utf-8-sig")
    assert text.startswith("reference,date,category,call_type,call_code,district,officers")
    assert "North" in text


def test_someone_elses_upload_is_not_reachable(client, agency, staff):
    token = token_of(upload(client, GOOD))
    client.force_login(staff_user(agency, Membership.Role.MODERATOR))

    response = check(client, token)

    assert response.status_code == 302 and response["Location"].endswith("/import/")


def test_same_reference_in_another_agency_is_a_different_call(client, agency, staff):
    other = AgencyFactory()
    ServiceCall.objects.create(
        agency=other, reference="CAD-1", category="other", occurred_on="2026-01-01"
    )

    save(client, import_plain(client, GOOD))

    assert ServiceCall.objects.get(agency=other, reference="CAD-1").category == "other"
    assert ServiceCall.objects.filter(agency=agency).count() == 4


def test_officers_and_districts_of_another_agency_cannot_be_attached(client, agency, staff):
    OfficerFactory(badge_number="555")
    DistrictFactory(name="Zebulon North")

    token = import_plain(client, HEADER + "CAD-9,2026-10-01,Traffic stop,,Zebulon North,555\n")
    text = text_of(check(client, token))

    assert "Unknown officer badge number(s): 555" in text
    assert "Unknown district “Zebulon North”" in text
    save(client, token)
    assert not ServiceCall.objects.exists()


def test_analysts_cannot_import(client, agency):
    client.force_login(staff_user(agency, Membership.Role.ANALYST))

    assert client.get(IMPORT).status_code == 403


# --- a real-looking export of 20,000 rows ----------------------------------------------------

KINDS = ["Parada de tráfico", "Llamada de ayuda", "TRAFFIC STOP", "Crime report"]
NATURES = [
    ("SPEEDING", "TS"),
    ("SPEEDING", "TS"),
    ("SPEEDING", "TS"),
    ("RED LIGHT", "TS"),
    ("RED LIGHT", "TS"),
    ("BURGLARY REPORT", "BUR"),
    ("BURGLARY REPORT", "BUR"),
    ("ALARM", "ALM"),
    ("ALARM", "ALM"),
    ("FOUND PROPERTY", "FP"),
    ("FOUND PROPERTY", "FP"),
    ("PARKING COMPLAINT", "PK"),
    ("THEFT REPORT", "THF"),
    ("NOISE COMPLAINT", "NC"),
    ("Domestic violence - in progress", "DV"),
    ("Juvenile runaway", "JUV"),
    ("WELFARE CHECK", "WC"),
    ("DISTURBANCE", "10-16"),
    ("Notificación de fallecimiento", "NOT"),
]


def big_export(rows: int, seed: int = 2026) -> tuple[bytes, int]:
    """A deterministic export, and how many of its rows are sensitive."""
    rng = random.Random(seed)
    lines = [CAD_HEADER]
    sensitive = 0
    for i in range(rows):
        nature, code = rng.choice(NATURES)
        sensitive += nature.startswith(("Domestic", "Juvenile", "Notificación")) or code == "10-16"
        day = 1 + i % 28
        lines.append(
            cad_row(
                f"24-{i:06d}",
                f"10/{day:02d}/2026 {rng.randrange(24):02d}:{rng.randrange(60):02d}",
                rng.choice(KINDS),
                nature,
                code,
                rng.choice(["N1", "Peñasco", ""]),
                rng.choice(["101", "101|102", ""]),
            )
        )
    return "".join(lines).encode("cp1252"), sensitive


@pytest.mark.slow
def test_twenty_thousand_row_export(client, agency, staff):
    data, sensitive = big_export(20_000)
    response = upload(client, data, "cad-october.csv")
    token = token_of(response)
    columns(
        client,
        token,
        col_reference="Nº Incidente",
        col_date="Fecha/Hora",
        col_category="Tipo de contacto",
        col_call_type="Naturaleza",
        col_call_code="Código",
        col_district="Zona",
        col_officers="Agentes",
    )
    started = time.monotonic()
    preview = check(client, token)
    assert f"{sensitive:,} sensitive calls" in text_of(preview)
    assert "…and" in text_of(preview)  # the sensitive list is cut, with the rest counted
    assert save(client, token).status_code == 302
    elapsed = time.monotonic() - started

    assert ServiceCall.objects.filter(agency=agency).count() == 20_000
    assert ServiceCall.objects.filter(agency=agency, sensitive=True).count() == sensitive
    print(f"20,000 rows checked and saved in {elapsed:.1f} s")


def test_progress_is_reported_to_the_uploader_only(client, agency, staff):
    token = import_plain(client, GOOD)
    progress = reverse("admin:feedback_servicecall_import_progress", args=[token])
    assert client.get(progress).json() == {"phase": "waiting", "done": 0, "total": 0}

    check(client, token)

    assert client.get(progress).json() == {"phase": "checking", "done": 4, "total": 4}
    client.force_login(staff_user(agency, Membership.Role.MODERATOR))
    assert client.get(progress).json() == {"phase": "waiting", "done": 0, "total": 0}


def test_a_remembered_date_format_that_no_longer_fits_suggests_the_one_that_does():
    parsed = cad.read_file(b"ref,when,kind\nA,31/10/2026,other\nB,01/11/2026,other\n")
    mapping = cad.ColumnMapping(
        {"reference": "ref", "date": "when", "category": "kind"}, date_format="%m/%d/%Y"
    )
    lookups = cad.Lookups({"other": "other"}, {}, {}, lambda t, c: "")

    result = cad.check_rows(parsed, mapping, lookups)

    assert [e.row for e in result.errors] == [2]
    assert result.date_hint == "%d/%m/%Y"


def test_columns_that_are_not_mapped_are_not_kept(client, agency, staff):
    from tests.feedback.conftest import cache_dump

    export = (
        "Incident;When;Kind;Caller name;Caller address\r\n"
        "A-1;2026-10-01;Traffic stop;Maria Canary-Lopez;12 Canary Street\r\n"
    )
    response = upload(client, export)
    token = token_of(response)
    assert "Maria Canary-Lopez" in cache_dump()  # until the clerk has said which columns matter

    columns(client, token, col_reference="Incident", col_date="When", col_category="Kind")

    assert "Canary" not in cache_dump()
    assert save(client, token).status_code == 302
    assert ServiceCall.objects.get(reference="A-1").category == "traffic_stop"


def test_the_upload_keeps_the_token_its_page_chose_but_never_takes_over_another(
    client, agency, staff
):
    page = client.get(IMPORT).content.decode()
    chosen = re.search(r'name="token" value="([\w-]+)"', page).group(1)
    assert f"/import/{chosen}/progress/" in page

    first = client.post(
        IMPORT, {"token": chosen, "file": SimpleUploadedFile("a.csv", GOOD.encode())}
    )
    again = client.post(
        IMPORT, {"token": chosen, "file": SimpleUploadedFile("b.csv", GOOD.encode())}
    )

    assert token_of(first) == chosen
    assert token_of(again) != chosen  # a token in use is never reused
