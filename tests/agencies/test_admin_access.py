"""Signed-in staff whose role cannot see a page get a staff page saying so, never the public 403."""

import pytest
from django.urls import reverse

from agencies.models import Membership
from tests.factories import AgencyFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency():
    agency = AgencyFactory(name="Trustville Police")
    staff_user(agency, Membership.Role.ADMIN, first_name="Avery", email="avery@example.org")
    return agency


@pytest.mark.parametrize(
    ("role", "url"),
    [
        (Membership.Role.MODERATOR, "/admin/feedback/feedback/results/"),
        (Membership.Role.ANALYST, reverse("admin:feedback_servicecall_import")),
        (Membership.Role.ADMIN, reverse("admin:feedback_codebatch_add")),
        (Membership.Role.ANALYST, reverse("admin:agencies_membership_add")),
    ],
)
def test_a_role_that_cannot_see_a_page_is_told_so_in_the_workspace(client, agency, role, url):
    client.force_login(staff_user(agency, role))

    response = client.get(url)

    body = response.content.decode()
    assert response.status_code == 403
    assert "Your role cannot see this page" in body
    assert "avery@example.org" in body  # whom to ask
    assert 'class="staff-task-list"' in body  # and where their own tasks are
    assert "Open Policing — staff" in body


def test_signed_out_visitors_still_go_to_the_login(client):
    response = client.get("/admin/feedback/feedback/results/")

    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.parametrize(
    ("role", "expected", "absent"),
    [
        (
            Membership.Role.MODERATOR,
            ["Comments to review", "Print feedback cards", "Import calls"],
            ["Results", "Colleagues"],
        ),
        (
            Membership.Role.ANALYST,
            ["Results", "Printed cards and response rates"],
            ["Import calls", "Colleagues"],
        ),
        (
            Membership.Role.ADMIN,
            ["Colleagues", "Results", "Import calls", "Agency profile"],
            ["Comments to review", "Print blank cards"],
        ),
    ],
)
def test_the_admin_index_leads_each_role_to_its_tasks(client, agency, role, expected, absent):
    client.force_login(staff_user(agency, role))

    body = client.get(reverse("admin:index")).content.decode()
    tasks = body.split('id="staff-tasks-title"', 1)[1].split("</section>", 1)[0]

    for label in expected:
        assert label in tasks, label
    for label in absent:
        assert label not in tasks, label


def test_the_workspace_uses_a_clerks_words(client, agency):
    client.force_login(staff_user(agency, Membership.Role.MODERATOR))

    body = client.get(reverse("admin:index")).content.decode()

    for jargon in ("Code batches", "Moderation decisions", "Memberships"):
        assert jargon not in body
    assert "Printed feedback cards" in body
