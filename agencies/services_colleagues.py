"""Colleagues: an agency admin invites staff by e-mail with a role, changes roles, removes them.

Every write here is limited to the acting admin's own agency: the agency of a new membership is
the admin's, a role is one of `Membership.Role` (there is no way to ask for superuser), and a
membership of another agency is refused as if it did not exist. An agency always keeps one admin.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from .models import Agency, Membership
from .roles import staff_membership
from .siteurl import public_base_url

SUBJECT = "{agency}: your staff account / su cuenta de personal"


class ColleagueRefused(Exception):
    """The change cannot be made; the message says why, for the admin who asked."""


def _acting_admin(by: AbstractBaseUser) -> Membership:
    membership = staff_membership(by)
    if membership is None or membership.role != Membership.Role.ADMIN:
        raise ColleagueRefused(_("Only an agency admin can manage colleagues."))
    return membership


def _valid_role(role: str) -> str:
    if role not in Membership.Role.values:
        raise ColleagueRefused(_("Choose one of the roles offered."))
    return role


def _own(membership: Membership, admin: Membership) -> Membership:
    if membership.agency_id != admin.agency_id:
        # Another agency's colleague looks like one who does not exist.
        raise ColleagueRefused(_("This colleague was not found in your agency."))
    return membership


def _other_admin_exists(membership: Membership) -> bool:
    return (
        Membership.objects.filter(agency_id=membership.agency_id, role=Membership.Role.ADMIN)
        .exclude(pk=membership.pk)
        .exists()
    )


def invitation_link(user: AbstractBaseUser, base_url: str = "") -> str:
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return (base_url or public_base_url()) + path


@transaction.atomic
def colleague_invite(
    *,
    by: AbstractBaseUser,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    base_url: str = "",
) -> Membership:
    """Create the colleague's account in the admin's agency and e-mail a set-password link."""
    admin = _acting_admin(by)
    role = _valid_role(role)
    email = email.strip().lower()
    users = get_user_model().objects
    existing = users.filter(Q(username__iexact=email) | Q(email__iexact=email)).first()
    if existing is not None:
        if existing.is_superuser or Membership.objects.filter(user=existing).exists():
            # Whether in this agency or another: do not say which.
            raise ColleagueRefused(
                _("This e-mail address already has a staff account. Ask your operator.")
            )
        user = existing
        user.is_staff = True
        user.is_active = True
        user.save(update_fields=["is_staff", "is_active"])
    else:
        user = users.create_user(
            username=email,
            email=email,
            first_name=first_name.strip()[:150],
            last_name=last_name.strip()[:150],
            is_staff=True,
        )
    membership = Membership.objects.create(user=user, agency=admin.agency, role=role)
    _send_invitation(
        user=user, agency=admin.agency, role=membership.get_role_display(), base_url=base_url
    )
    return membership


def _send_invitation(
    *, user: AbstractBaseUser, agency: Agency, role: str, base_url: str = ""
) -> None:
    context = {
        "agency": agency,
        "user": user,
        "role": role,
        "link": invitation_link(user, base_url),
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        "OPERATOR_NAME": settings.OPERATOR_NAME,
    }
    body = render_to_string("admin/email/colleague_invitation.txt", context)
    # Inside the transaction: if the mail server refuses, no account was created.
    send_mail(SUBJECT.format(agency=agency.name), body, None, [user.email])


@transaction.atomic
def colleague_role_change(*, by: AbstractBaseUser, membership: Membership, role: str) -> Membership:
    admin = _acting_admin(by)
    membership = _own(Membership.objects.select_for_update().get(pk=membership.pk), admin)
    role = _valid_role(role)
    if (
        membership.role == Membership.Role.ADMIN
        and role != Membership.Role.ADMIN
        and not _other_admin_exists(membership)
    ):
        raise ColleagueRefused(_("Your agency needs at least one admin: appoint another first."))
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def colleague_remove(*, by: AbstractBaseUser, membership: Membership) -> None:
    """End the colleague's access: the membership goes, the account can no longer sign in."""
    admin = _acting_admin(by)
    membership = _own(Membership.objects.select_for_update().get(pk=membership.pk), admin)
    if membership.role == Membership.Role.ADMIN and not _other_admin_exists(membership):
        raise ColleagueRefused(_("Your agency needs at least one admin: appoint another first."))
    user = membership.user
    membership.delete()
    # Kept, not deleted: moderation decisions name their moderator.
    user.is_active = False
    user.is_staff = False
    user.set_unusable_password()
    user.save(update_fields=["is_active", "is_staff", "password"])
