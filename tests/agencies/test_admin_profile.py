"""Agency admins keep their agency's profile; the Agency Page cache follows every edit."""

from unittest import mock

import pytest
from django.urls import reverse

from agencies.models import Agency, Membership
from tests.factories import AgencyFactory, MembershipFactory, PolicyFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def agency():
    return AgencyFactory(name="Trustville Police", slug="trustville", published=False)


def profile_form(agency, **changes):
    data = {
        "name": agency.name,
        "city": agency.city,
        "state": agency.state,
        "timezone": agency.timezone,
        "website": "https://trustville.example/police",
        "welcome_message": "We listen.",
        "welcome_by": "Chief Rivera",
        "sensitive_call_types": "domestic violence\njuvenile",
    }
    return {**data, **changes}


def test_agency_admin_edits_the_profile_but_not_publication_flags(
    client, agency, django_capture_on_commit_callbacks
):
    client.force_login(staff_user(agency, Membership.Role.ADMIN))
    url = reverse("admin:agencies_agency_change", args=[agency.pk])

    with (
        mock.patch("agencies.admin.agency_data_changed") as changed,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(url, profile_form(agency, published="on", slug="hijack"))

    assert response.status_code == 302
    agency.refresh_from_db()
    assert agency.welcome_message == "We listen."
    assert (agency.published, agency.slug) == (False, "trustville")
    changed.assert_called_once_with(agency.pk)


def test_agency_admin_cannot_add_or_delete_agencies(client, agency):
    client.force_login(staff_user(agency, Membership.Role.ADMIN))

    assert client.get(reverse("admin:agencies_agency_add")).status_code == 403
    assert (
        client.post(reverse("admin:agencies_agency_delete", args=[agency.pk]), {"post": "yes"})
    ).status_code == 403
    assert Agency.objects.filter(pk=agency.pk).exists()


def test_deleting_a_policy_refreshes_the_agency_page(
    client, agency, django_capture_on_commit_callbacks
):
    policy = PolicyFactory(agency=agency)
    client.force_login(staff_user(agency, Membership.Role.ADMIN))

    with (
        mock.patch("agencies.admin.agency_data_changed") as changed,
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(reverse("admin:agencies_policy_delete", args=[policy.pk]), {"post": "yes"})

    changed.assert_called_once_with(agency.pk)


def test_agency_admin_changes_a_colleagues_role_but_not_the_user(client, agency):
    colleague = MembershipFactory(agency=agency, role=Membership.Role.ANALYST)
    other_user = staff_user(AgencyFactory(), Membership.Role.ADMIN)
    client.force_login(staff_user(agency, Membership.Role.ADMIN))

    response = client.post(
        reverse("admin:agencies_membership_change", args=[colleague.pk]),
        {"role": "moderator", "user": other_user.pk},
    )

    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.role == "moderator"
    assert colleague.user != other_user
