"""Agency onboarding: the public "Get started" form, and approval in the admin."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from agencies import services
from agencies.models import Agency, AgencyInterest, Membership

VALID = {
    "agency_name": "Springfield Police Department",
    "ori": " il0840100 ",
    "city": "Springfield",
    "state": "il",
    "contact_name": "Ana Torres",
    "contact_role": "Chief of Police",
    "contact_email": "Ana.Torres@Springfield.example",
    "message": "",
}


@pytest.mark.django_db
def test_interest_form_stores_a_normalised_request_and_thanks(client: Client) -> None:
    response = client.post(reverse("site:for_agencies"), VALID)
    assert response.status_code == 302
    assert response["Location"] == reverse("site:for_agencies_thanks")
    interest = AgencyInterest.objects.get()
    assert (interest.ori, interest.state) == ("IL0840100", "IL")
    assert interest.contact_email == "ana.torres@springfield.example"
    assert interest.status == AgencyInterest.Status.NEW


@pytest.mark.django_db
def test_interest_form_errors_keep_the_input_and_link_to_fields(client: Client) -> None:
    response = client.post(reverse("site:for_agencies"), {**VALID, "contact_email": "nope"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="error-summary"' in body
    assert 'href="#id_contact_email"' in body
    assert 'value="Springfield Police Department"' in body
    assert AgencyInterest.objects.count() == 0


@pytest.mark.django_db
def test_interest_form_honeypot_pretends_success_and_stores_nothing(client: Client) -> None:
    response = client.post(reverse("site:for_agencies"), {**VALID, "website": "http://spam"})
    assert response.status_code == 302
    assert AgencyInterest.objects.count() == 0


@pytest.mark.django_db
def test_interest_form_is_rate_limited_with_a_429_page(client: Client) -> None:
    for _ in range(5):
        client.post(reverse("site:for_agencies"), VALID)
    response = client.post(reverse("site:for_agencies"), VALID)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert AgencyInterest.objects.count() == 5


@pytest.mark.django_db
def test_interest_form_needs_csrf() -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.post(reverse("site:for_agencies"), VALID).status_code == 403


def _interest(**overrides: object) -> AgencyInterest:
    fields = {
        **VALID,
        "ori": "IL0840100",
        "state": "IL",
        "contact_email": "ana@springfield.example",
    }
    fields.update(overrides)
    return AgencyInterest.objects.create(**fields)


@pytest.mark.django_db
def test_approving_creates_unpublished_agency_admin_and_sends_invitation(client: Client) -> None:
    interest = _interest()
    agency = services.agency_interest_approve(interest=interest)

    assert agency.published is False and agency.is_demo is False
    assert (agency.name, agency.ori, agency.state) == (
        "Springfield Police Department",
        "IL0840100",
        "IL",
    )
    user = get_user_model().objects.get(email="ana@springfield.example")
    assert user.is_staff and not user.is_superuser and not user.has_usable_password()
    assert Membership.objects.get(user=user).agency == agency
    assert Membership.objects.get(user=user).role == Membership.Role.ADMIN
    interest.refresh_from_db()
    assert interest.status == AgencyInterest.Status.APPROVED and interest.agency == agency

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ana@springfield.example"]
    link = re.search(r"https?://\S+/invitation/\S+", message.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    # The invitation link lets the new admin choose a password.
    page = client.get("/" + path, follow=True)
    assert page.status_code == 200
    assert b"new_password1" in page.content


@pytest.mark.django_db
def test_approving_twice_is_refused_and_creates_nothing_more() -> None:
    interest = _interest()
    services.agency_interest_approve(interest=interest)
    with pytest.raises(services.InterestNotApprovable):
        services.agency_interest_approve(interest=interest)
    assert Agency.objects.count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_approval_refused_when_the_user_exists_leaves_no_agency_behind() -> None:
    get_user_model().objects.create_user(username="ana@springfield.example")
    with pytest.raises(services.InterestNotApprovable):
        services.agency_interest_approve(interest=_interest())
    assert Agency.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_admin_action_approves_selected_requests(admin_client: Client) -> None:
    interest = _interest()
    url = reverse("admin:agencies_agencyinterest_changelist")
    response = admin_client.post(
        url, {"action": "approve_interests", "_selected_action": [interest.pk]}, follow=True
    )
    assert response.status_code == 200
    interest.refresh_from_db()
    assert interest.status == AgencyInterest.Status.APPROVED
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_only_operators_can_approve(client: Client) -> None:
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    staff = UserFactory(is_staff=True, is_superuser=False)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_agencyinterest", "change_agencyinterest"])
    )
    client.force_login(staff)
    interest = _interest()
    url = reverse("admin:agencies_agencyinterest_changelist")
    client.post(url, {"action": "approve_interests", "_selected_action": [interest.pk]})
    interest.refresh_from_db()
    assert interest.status == AgencyInterest.Status.NEW
    assert Agency.objects.count() == 0 and mail.outbox == []
