"""Open data: the published figures as CSV and JSON, a data package that validates, the national
files as the union of the agency files, validators that follow releases and never a write."""

import csv
import datetime as dt
import io
import json

import frictionless
import pytest

from agencies import opendata
from feedback.models import Feedback
from feedback.releases import current_closed_month, release_date_of, releases_run
from surveys.disclosure import add_months
from surveys.models import Question
from tests.factories import AgencyFactory, ModerationDecisionFactory, feedback_with_answers

pytestmark = pytest.mark.django_db
FILES = [f"{name}.csv" for name in opendata.TABLE_NAMES] + ["figures.json", "datapackage.json"]


def http_day(day: dt.date) -> str:
    return day.strftime("%a, %d %b %Y 00:00:00 GMT")


def url(name: str, slug: str | None = None) -> str:
    return f"/agencies/{slug}/data/{name}" if slug else f"/open-data/{name}"


def rows(client, name: str, slug: str | None = None) -> list[dict]:
    response = client.get(url(name, slug))
    assert response.status_code == 200, name
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def agency_with_months(slug: str, counts: list[int], *, value: int = 4) -> object:
    """A published agency with counts[i] responses in the i-th month before the closed one."""
    agency = AgencyFactory(slug=slug, name=f"{slug.title()} Police")
    closed = current_closed_month()
    codes = list(Question.objects.filter(survey__is_current=True).values_list("code", flat=True))
    for i, count in enumerate(counts):
        month = add_months(closed, -(len(counts) - 1 - i))
        for j in range(count):
            values = {c: 1 + (value + i + j + n) % 5 for n, c in enumerate(codes)}
            feedback_with_answers(agency=agency, interaction_month=month, values=values,
                                  category="traffic_stop" if j % 3 else "call_for_help")  # fmt: skip
    return agency


@pytest.fixture
def released(trustville):
    releases_run()
    return trustville


def test_every_file_is_served_with_licence_and_validators_from_its_content(client, released):
    for name in FILES:
        response = client.get(url(name, "trustville"))
        assert response.status_code == 200, name
        assert response["ETag"] == opendata.etag_of(response.content), name
        assert response["Last-Modified"] == http_day(release_date_of(current_closed_month()))
        assert "creativecommons.org/licenses/by/4.0" in response["Link"]
        again = client.get(url(name, "trustville"), HTTP_IF_NONE_MATCH=response["ETag"])
        assert again.status_code == 304, name
    assert client.get(url("scores.csv", "trustville"))["Content-Type"].startswith("text/csv")
    assert client.get(url("nothing.csv", "trustville")).status_code == 404


def test_no_file_carries_a_response_row_or_a_comment(client, released):
    for name in ("responses.csv", "responses.json", "aggregates.csv"):
        assert client.get(url(name, "trustville")).status_code == 404
        assert client.get(url(name)).status_code == 404
    columns = {c.name for table in opendata.TABLES for c in table.columns}
    assert not [c for c in columns if c.startswith("q_") or "comment" in c]
    text = client.get(url("figures.json", "trustville")).content.decode()
    published = Feedback.objects.filter(agency=released).exclude(published_text="")
    assert published.exists()
    for comment in published.values_list("published_text", flat=True)[:20]:
        assert comment not in text


def test_the_package_validates_and_documents_every_column(client, released, tmp_path):
    for name in FILES:
        if name.endswith(".csv") or name == "datapackage.json":
            (tmp_path / name).write_bytes(client.get(url(name, "trustville")).content)
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
    package = json.loads((tmp_path / "datapackage.json").read_text())
    assert package["closed_through"] == f"{current_closed_month():%Y-%m}"
    assert package["released_on"] == str(release_date_of(current_closed_month()))
    assert package["k"] == 10 and "at least k = 10" in package["suppression_rule"]
    assert [s["version"] for s in package["surveys"]] == [1]
    for resource in package["resources"]:
        assert resource["description"]
        for field in resource["schema"]["fields"]:
            assert len(field["description"]) > 10, (resource["name"], field["name"])
    questions = list(csv.DictReader(io.StringIO((tmp_path / "questions.csv").read_text())))
    assert {(q["question"], q["text_en"], q["text_es"]) for q in questions} == set(
        Question.objects.values_list("code", "text_en", "text_es")
    )
    assert all(q["text_es"] and q["text_es"] != q["text_en"] for q in questions)


def test_the_json_file_holds_the_same_tables_as_the_csv_files(client, released):
    doc = json.loads(client.get(url("figures.json", "trustville")).content)
    assert doc["closed_through"] == f"{current_closed_month():%Y-%m}" and doc["k"] == 10
    for name in opendata.TABLE_NAMES:
        from_csv = rows(client, f"{name}.csv", "trustville")
        as_text = [{k: "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
                    for k, v in row.items()} for row in doc[name]]  # fmt: skip
        assert as_text == from_csv, name
        assert from_csv, name


def test_national_files_are_the_union_of_the_agency_files(client, trustville):
    one = agency_with_months("amberton", [12, 11, 10])
    two = agency_with_months("brookfield", [25, 9, 14])
    AgencyFactory(slug="unpublished", published=False)
    releases_run()
    for name in opendata.TABLE_NAMES:
        national = rows(client, f"{name}.csv")
        if name == "questions":
            assert national == rows(client, "questions.csv", one.slug)
            continue
        union = rows(client, f"{name}.csv", one.slug) + rows(client, f"{name}.csv", two.slug)
        assert national == union, name
        assert {r["agency"] for r in national} == {"amberton", "brookfield"}, name
    assert json.loads(client.get(url("figures.json")).content)["blocks"] == (
        json.loads(client.get(url("figures.json", one.slug)).content)["blocks"]
        + json.loads(client.get(url("figures.json", two.slug)).content)["blocks"]
    )


def test_validators_follow_releases_never_a_later_write(client):
    agency = agency_with_months("cedar", [12, 10])
    releases_run()

    def capture() -> dict:
        out = {}
        for name in FILES:
            for address in (url(name, agency.slug), url(name)):
                r = client.get(address)
                out[address] = (r.content, r["ETag"], r["Last-Modified"])
        return out

    before = capture()
    newest = release_date_of(current_closed_month())
    assert before[url("blocks.csv", agency.slug)][2] == http_day(newest)
    # Later writes: a response about an open month, a comment and its moderation decision, a
    # profile edit that no file shows. Nothing public changes, not even a header.
    open_month = add_months(current_closed_month(), 1)
    late = feedback_with_answers(agency=agency, interaction_month=open_month,
                                 comment="Thank you", moderation_state="pending")  # fmt: skip
    ModerationDecisionFactory(feedback=late)
    agency.welcome_message = "Welcome"
    agency.save()
    releases_run()
    assert capture() == before
    # The release of the next month (which now holds k responses) changes them, dated by it.
    for _ in range(9):
        feedback_with_answers(agency=agency, interaction_month=open_month)
    releases_run(today=release_date_of(open_month))
    after = capture()
    assert after[url("blocks.csv", agency.slug)][0] != before[url("blocks.csv", agency.slug)][0]
    assert after[url("blocks.csv", agency.slug)][2] == http_day(release_date_of(open_month))
    assert after[url("scores.csv")][1] != before[url("scores.csv")][1]


def test_the_national_files_cost_the_same_queries_for_more_agencies(
    client, django_assert_max_num_queries, standard_survey
):
    agency_with_months("first", [12])
    agency_with_months("second", [11])
    releases_run()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as two:
        client.get(url("scores.csv"))
    for slug in ("third", "fourth", "fifth"):
        agency_with_months(slug, [10])
    releases_run()
    with django_assert_max_num_queries(len(two.captured_queries)):
        response = client.get(url("scores.csv"))
    assert {r["agency"] for r in csv.DictReader(io.StringIO(response.content.decode()))} == {
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
    }
