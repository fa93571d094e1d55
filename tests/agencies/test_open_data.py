"""Open data: k-anonymous rows, streamed downloads with validators, a package that validates."""

import csv
import io
import json
import re

import frictionless
import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from agencies.pages import current_closed_month
from feedback.models import Feedback, ModerationDecision
from feedback.rollups import rollups_rebuild
from surveys.disclosure import QUASI_IDENTIFIERS, add_months, smallest_group
from tests.factories import AgencyFactory, DistrictFactory, feedback_with_answers

pytestmark = pytest.mark.django_db
K = 10
QI = ["agency", *(q if q != "category" else "call_category" for q in QUASI_IDENTIFIERS)]


def period_end(period: str) -> str:
    """The last month (YYYY-MM) a published period covers."""
    if "-Q" in period:
        year, quarter = period.split("-Q")
        return f"{year}-{int(quarter) * 3:02d}"
    return period if "-" in period else f"{period}-12"


def download(client, name, slug=None, **headers):
    url = reverse(f"agencies:{name}", args=[slug]) if slug else reverse(f"agencies:all_{name}")
    return client.get(url, **headers)


def body(response) -> str:
    return b"".join(response.streaming_content).decode()


def rows_of(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body(response))))


def test_agency_csv_is_streamed_with_disposition_licence_and_validators(client, trustville):
    response = download(client, "responses_csv", "trustville")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"] == 'attachment; filename="trustville-responses.csv"'
    assert response["Content-Type"].startswith("text/csv")
    assert "creativecommons.org/licenses/by/4.0" in response["Link"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', response["ETag"])
    assert response["Last-Modified"].endswith("GMT")


def test_every_trustville_row_is_k_anonymous_and_from_released_months(client, trustville):
    rows = rows_of(download(client, "responses_csv", "trustville"))
    assert len(rows) >= 150  # closed quarters; the open quarter waits
    assert smallest_group(rows, keys=QI) >= K
    last = f"{current_closed_month():%Y-%m}"
    for row in rows:
        assert re.fullmatch(r"\d{4}(-\d{2}|-Q[1-4])?", row["period"])
        assert period_end(row["period"]) <= last
    assert not {"age_band", "race_ethnicity", "gender"} & set(rows[0])


def test_rows_are_coarsened_then_suppressed_for_a_small_agency(client):
    agency = AgencyFactory()
    north, south = DistrictFactory(agency=agency, name="North"), DistrictFactory(agency=agency)
    january = add_months(current_closed_month(), -13).replace(month=1)
    for month, district, count in ((0, north, 10), (1, north, 4), (2, north, 6), (4, south, 3)):
        for _ in range(count):
            feedback_with_answers(
                agency=agency, interaction_month=add_months(january, month), district=district
            )
    rollups_rebuild(agency=agency)
    rows = rows_of(download(client, "responses_csv", agency.slug))
    periods = sorted({(r["period"], r["district"]) for r in rows})
    # January holds 10 on its own; February + March pool into Q1; May's 3 fail everything.
    y = january.year
    assert periods == [(f"{y}-01", "North"), (f"{y}-Q1", "North")]
    assert len(rows) == 20


def test_three_responses_give_an_empty_file(client):
    agency = AgencyFactory()
    for _ in range(3):
        feedback_with_answers(agency=agency, interaction_month=current_closed_month())
    rollups_rebuild(agency=agency)
    assert rows_of(download(client, "responses_csv", agency.slug)) == []
    assert rows_of(download(client, "aggregates_csv", agency.slug)) == []


def test_only_published_comments_appear(client):
    agency = AgencyFactory()
    for i in range(12):
        feedback_with_answers(
            agency=agency,
            interaction_month=current_closed_month(),
            comment=f"private words {i}",
            moderation_state=Feedback.Moderation.PUBLISHED if i == 0 else "pending",
            published_text="Published words." if i == 0 else "",
        )
    rollups_rebuild(agency=agency)
    text = body(download(client, "responses_csv", agency.slug))
    assert "Published words." in text and "private words" not in text


def test_not_modified_when_validators_match(client, trustville):
    first = download(client, "responses_csv", "trustville")
    etag, modified = first["ETag"], first["Last-Modified"]
    again = download(client, "responses_csv", "trustville", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    since = download(client, "responses_csv", "trustville", HTTP_IF_MODIFIED_SINCE=modified)
    assert since.status_code == 304


def test_etag_changes_when_a_comment_is_moderated(client, trustville):
    before = download(client, "responses_csv", "trustville")["ETag"]
    feedback = Feedback.objects.filter(agency=trustville).first()
    ModerationDecision.objects.create(feedback=feedback, action="withhold", reason="spam")
    assert download(client, "responses_csv", "trustville")["ETag"] != before


def test_json_holds_the_same_rows_and_the_licence(client, trustville):
    data = json.loads(body(download(client, "responses_json", "trustville")))
    assert data["license"]["name"] == "CC-BY-4.0" and data["k"] == K
    csv_rows = rows_of(download(client, "responses_csv", "trustville"))
    assert len(data["rows"]) == len(csv_rows)
    assert data["rows"][0]["period"] == csv_rows[0]["period"]


def test_aggregates_rest_on_at_least_k_people(client, trustville):
    rows = rows_of(download(client, "aggregates_csv", "trustville"))
    assert rows and all(int(r["n"]) >= K and int(r["responses"]) >= K for r in rows)
    measures = {r["measure"] for r in rows}
    assert measures == {"trust", "voice", "respect", "neutrality", "motives", "outcome"}


def test_datapackage_validates_with_frictionless(client, trustville, tmp_path):
    descriptor = download(client, "datapackage", "trustville").json()
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor))
    (tmp_path / "responses.csv").write_text(body(download(client, "responses_csv", "trustville")))
    (tmp_path / "aggregates.csv").write_text(body(download(client, "aggregates_csv", "trustville")))
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    fields = [f["name"] for f in descriptor["resources"][0]["schema"]["fields"]]
    header = (tmp_path / "responses.csv").read_text().splitlines()[0].split(",")
    assert fields == header
    assert all(f["description"] for r in descriptor["resources"] for f in r["schema"]["fields"])


def test_all_agencies_files_leave_out_demo_agencies(client, trustville):
    real = AgencyFactory(slug="realtown")
    for _ in range(12):
        feedback_with_answers(agency=real, interaction_month=current_closed_month())
    rollups_rebuild(agency=real)
    rows = rows_of(download(client, "responses_csv"))
    assert {r["agency"] for r in rows} == {"realtown"}
    assert smallest_group(rows, keys=QI) >= K
    assert download(client, "responses_csv")["Content-Disposition"].endswith(
        'filename="all-agencies-responses.csv"'
    )
    assert download(client, "datapackage").json()["licenses"][0]["name"] == "CC-BY-4.0"


def test_downloads_stream_rows_lazily(client, trustville, monkeypatch):
    """The first chunk leaves before the rows run out: nothing collects the whole file."""
    from agencies import views

    row = rows_of(download(client, "responses_csv", "trustville"))[0]
    typed = tuple({**row, "verified": True}.values())  # rows are tuples in column order

    def endless(agencies, closed):
        for _ in range(50_000):
            yield typed
        raise AssertionError("the whole file was materialised")

    monkeypatch.setattr(views, "_rows", endless)
    for name in ("responses_csv", "responses_json"):
        first = next(iter(download(client, name, "trustville").streaming_content))
        assert 1_000 < len(first) < 1_000_000
