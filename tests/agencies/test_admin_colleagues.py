"""Colleagues: an agency admin invites by e-mail with a role, changes roles, removes; own agency only."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from agencies.models import Membership
from agencies.services_colleagues import ColleagueRefused, colleague_role_change
from tests.factories import AgencyFactory, StaffUserFactory, staff_user

pytestmark = pytest.mark.django_db

LIST = reverse("admin:agencies_membership_changelist")
ADD = reverse("admin:agencies_membership_add")


@pytest.fixture
def agency():
    return AgencyFactory(name="Trustville Police")


@pytest.fixture
def admin_user(client, agency):
    user = staff_user(agency, Membership.Role.ADMIN)
    client.force_login(user)
    return user


def invite(client, **data):
    return client.post(ADD, {"email": "Dana@Example.org", "role": "moderator", **data})


def test_an_admin_invites_a_colleague_who_sets_a_password(client, agency, admin_user):
    assert client.get(ADD).status_code == 200

    response = invite(client, first_name="Dana", last_name="Ruiz")

    assert response.status_code == 302
    membership = Membership.objects.get(user__email="dana@example.org")
    assert (membership.agency, membership.role) == (agency, "moderator")
    assert membership.user.is_staff and not membership.user.is_superuser
    assert not membership.user.has_usable_password()
    (message,) = mail.outbox
    assert message.to == ["dana@example.org"] and "Trustville Police" in message.subject
    link = re.search(r"https?://\S+/admin/invitation/\S+", message.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    client.logout()
    assert client.get("/" + path, follow=True).status_code == 200


def test_an_existing_account_is_refused_without_saying_where(client, agency, admin_user):
    elsewhere = staff_user(AgencyFactory(name="Zebulon Police"), Membership.Role.ADMIN)
    get_user_model().objects.filter(pk=elsewhere.pk).update(email="dana@example.org")

    response = invite(client)

    assert response.status_code == 200
    body = response.content.decode()
    assert "already has a staff account" in body and "Zebulon" not in body
    assert 'value="Dana@Example.org"' in body  # what was typed is kept
    assert not mail.outbox


def test_superuser_and_other_agency_can_never_be_granted(client, agency, admin_user):
    for role in ("superuser", "operator", "", "admin' OR 1=1"):
        response = invite(client, role=role)
        assert response.status_code == 200, role
    assert (
        invite(client, role="analyst", agency=AgencyFactory().pk, is_superuser="on").status_code
        == 302
    )
    membership = Membership.objects.get(user__email="dana@example.org")
    assert membership.agency == agency and not membership.user.is_superuser


def test_an_admin_changes_a_role_and_removes_a_colleague(client, agency, admin_user):
    colleague = staff_user(agency, Membership.Role.MODERATOR)
    membership = colleague.membership
    change = reverse("admin:agencies_membership_change", args=[membership.pk])

    page = client.get(change)
    assert page.status_code == 200 and 'name="user"' not in page.content.decode()
    assert client.post(change, {"role": "analyst", "user": admin_user.pk}).status_code == 302
    membership.refresh_from_db()
    assert (membership.role, membership.user_id) == ("analyst", colleague.pk)

    delete = reverse("admin:agencies_membership_delete", args=[membership.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    colleague.refresh_from_db()
    assert not colleague.is_active and not colleague.is_staff


def test_another_agencys_colleague_is_out_of_reach(client, agency, admin_user):
    other = staff_user(AgencyFactory(), Membership.Role.MODERATOR).membership

    for url in (
        reverse("admin:agencies_membership_change", args=[other.pk]),
        reverse("admin:agencies_membership_delete", args=[other.pk]),
    ):
        assert client.post(url, {"role": "admin", "post": "yes"}).status_code == 404
    other.refresh_from_db()
    assert other.role == "moderator"
    with pytest.raises(ColleagueRefused):
        colleague_role_change(by=admin_user, membership=other, role="admin")


def test_the_last_admin_cannot_step_down_or_be_removed(client, agency, admin_user):
    own = admin_user.membership
    change = reverse("admin:agencies_membership_change", args=[own.pk])

    response = client.post(change, {"role": "analyst"}, follow=True)

    assert "needs at least one admin" in response.content.decode()
    own.refresh_from_db()
    assert own.role == "admin"
    delete = reverse("admin:agencies_membership_delete", args=[own.pk])
    client.post(delete, {"post": "yes"})
    assert Membership.objects.filter(pk=own.pk).exists()


@pytest.mark.parametrize("role", [Membership.Role.MODERATOR, Membership.Role.ANALYST])
def test_other_roles_cannot_invite(client, agency, role):
    client.force_login(staff_user(agency, role))

    assert invite(client).status_code == 403
    assert not Membership.objects.filter(user__email="dana@example.org").exists()


def test_operators_keep_the_full_form(client, agency):
    operator = StaffUserFactory(is_superuser=True)
    client.force_login(operator)

    assert 'name="agency"' in client.get(ADD).content.decode()
