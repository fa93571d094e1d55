"""Internal results for staff: public scores and breakdowns, each on ≥ k responses only."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from agencies.models import Membership
from feedback.models import AgencyRelease, Feedback
from feedback.releases import releases_run
from tests.factories import (
    AgencyFactory,
    DistrictFactory,
    OfficerFactory,
    feedback_with_answers,
    staff_user,
)

pytestmark = pytest.mark.django_db

RESULTS = reverse("admin:feedback_results")
RELEASED = dt.date(2027, 1, 5)
RESULTS_CSV = reverse("admin:feedback_results_csv")


@pytest.fixture
def agency(settings):
    settings.MIN_PUBLIC_RESPONSES = 10
    agency = AgencyFactory(name="Trustville Police")
    north = DistrictFactory(agency=agency, name="North")
    east = DistrictFactory(agency=agency, name="East")
    south = DistrictFactory(agency=agency, name="South")
    officer = OfficerFactory(agency=agency, display_name="Dana Whitfield", badge_number="77")
    for district, n in ((north, 12), (east, 11), (south, 3)):
        for _ in range(n):
            fb = feedback_with_answers(agency=agency, district=district)
            if district is north:
                fb.officers.add(officer)
    # Every North call had the officer as its primary officer (the comments' calls too), so the
    # officer's cell and North are the same people and both may be shown.
    commented = feedback_with_answers(
        agency=agency,
        district=north,
        comment="Thank you for the patience",
        publish_consent=True,
        moderation_state=Feedback.Moderation.PUBLISHED,
        published_text="Thank you for the patience",
    )
    feedback_with_answers(
        agency=agency,
        district=north,
        values={"outcome_satisfied": 1, "outcome_confidence": 1},
        publish_consent=True,
        moderation_state=Feedback.Moderation.PUBLISHED,
        published_text="Nobody listened at all",
    ).officers.add(officer)
    commented.officers.add(officer)
    # October's codes have all expired by the end of December: its block is released.
    releases_run(today=RELEASED)
    return agency


def test_analyst_sees_scores_and_only_groups_of_at_least_k(client, agency):
    client.force_login(staff_user(agency, Membership.Role.ANALYST))

    response = client.get(RESULTS)

    body = response.content.decode()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "75.0" in body
    assert "Dana Whitfield #77" in body
    # South has 3 responses; East (the smallest other cell, 11) is hidden with it, and says why.
    assert body.count("fewer than 10 responses: not shown") == 1
    assert "Not enough responses in any single block yet" in body


def test_results_show_no_comment_and_no_kudos_picked_by_scores(client, agency):
    """Was: kudos listed published comments whose author's outcome score was >= 75 (issue 11 §7:
    every entry told staff something about one person's answers). Kudos left the results."""
    client.force_login(staff_user(agency, Membership.Role.ADMIN))

    body = client.get(RESULTS).content.decode()

    # Thanks are the respondents' own messages to officers (feedback.Kudos), not a list of
    # published comments whose authors scored high.
    assert "Thank you for the patience" not in body
    assert "Nobody listened at all" not in body
    assert "Kudos" not in body


def test_staff_results_are_the_public_release_figure_for_figure(client, agency):
    client.force_login(staff_user(agency, Membership.Role.ANALYST))
    headline = AgencyRelease.objects.get(agency=agency).figures["headline"]
    rows = list(csv.DictReader(io.StringIO(client.get(RESULTS_CSV).content.decode())))
    overall = next(r for r in rows if r["breakdown"] == "overall")
    assert float(overall["trust"]) == round(headline["measures"]["trust"]["value"], 1)
    assert int(overall["responses"]) == headline["measures"]["trust"]["n"]
    assert (overall["first_month"], overall["last_month"]) == ("2026-10", "2026-10")


def test_csv_export_holds_only_shown_aggregates(client, agency):
    client.force_login(staff_user(agency, Membership.Role.ANALYST))

    response = client.get(RESULTS_CSV)

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    groups = {(r["breakdown"], r["group"]) for r in rows}
    assert ("overall", "") in groups
    assert ("district", "North") in groups
    assert ("district", "South") not in groups and ("district", "East") not in groups
    assert all(int(r["responses"]) >= 10 for r in rows)


def test_a_response_this_month_changes_no_figure(client, agency):
    client.force_login(staff_user(agency, Membership.Role.ANALYST))
    before = client.get(RESULTS_CSV).content

    today = dt.date.today()
    feedback_with_answers(
        agency=agency,
        submitted_on=today,
        interaction_month=today.replace(day=1),
        values={"respect_dignity": 1},
    )

    releases_run(today=RELEASED)
    assert client.get(RESULTS_CSV).content == before


def test_results_are_for_the_staff_members_own_agency(client, agency):
    other = AgencyFactory(name="Zebulon Police")
    zeb = DistrictFactory(agency=other, name="Zeb")
    for _ in range(12):
        feedback_with_answers(agency=other, district=zeb)
    releases_run(today=RELEASED)
    client.force_login(staff_user(agency, Membership.Role.ANALYST))

    assert "Zeb" not in client.get(RESULTS).content.decode()


def test_moderators_do_not_see_results(client, agency):
    client.force_login(staff_user(agency, Membership.Role.MODERATOR))

    assert client.get(RESULTS).status_code == 403
    assert client.get(RESULTS_CSV).status_code == 403
