"""Staff roles and what they may do, derived in code from `Membership.role`.

Why code and not Groups in a data migration: the mapping is reviewed with the code that depends on
it, cannot drift between databases, and a new model gets no permission until someone adds it here.
Agency staff are never superusers; a superuser who also has a membership is treated as staff of
that agency (the membership wins), so a mistake in the user table cannot widen access.

Permission strings are Django's usual "app_label.action_model". Two extra ones have no Permission
row because they guard views, not models: `feedback.view_results` (dashboard and aggregate
exports) and `feedback.generate_codes` (printing cards).
"""

from __future__ import annotations

from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser

from .models import Agency, Membership

Role = Membership.Role


def _crud(model: str, *actions: str) -> set[str]:
    app, name = model.split(".")
    return {f"{app}.{action}_{name}" for action in actions}


ALL = ("view", "add", "change", "delete")

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    # Agency admin: the agency's profile and people, and oversight of moderation.
    Role.ADMIN: frozenset(
        _crud("agencies.agency", "view", "change")
        | _crud("agencies.district", *ALL)
        | _crud("agencies.policy", *ALL)
        | _crud("agencies.accreditation", *ALL)
        | _crud("agencies.officer", *ALL)
        | _crud("agencies.membership", *ALL)
        | _crud("feedback.servicecall", "view", "add", "change")
        | _crud("feedback.codebatch", "view")
        | _crud("feedback.feedback", "view")
        | _crud("feedback.moderationdecision", "view")
        | _crud("feedback.publicresponse", "view")
        | {"feedback.view_results"}
    ),
    # Moderator: comments, public responses, service calls and codes.
    Role.MODERATOR: frozenset(
        _crud("feedback.servicecall", "view", "add", "change")
        | _crud("feedback.codebatch", "view", "add")
        | _crud("feedback.feedback", "view", "change")
        | _crud("feedback.moderationdecision", "view")
        | _crud("feedback.publicresponse", *ALL)
        | {"feedback.generate_codes"}
    ),
    # Analyst: read-only results and exports.
    Role.ANALYST: frozenset(_crud("feedback.codebatch", "view") | {"feedback.view_results"}),
}


def staff_membership(user: AbstractBaseUser | AnonymousUser | None) -> Membership | None:
    """Return the user's membership (cached on the user object), or None."""
    if user is None or not user.is_authenticated:
        return None
    if not hasattr(user, "_staff_membership"):
        user._staff_membership = (
            Membership.objects.select_related("agency").filter(user=user).first()
        )
    return user._staff_membership


def staff_agency(user: AbstractBaseUser | AnonymousUser | None) -> Agency | None:
    """Return the agency a staff user works for, or None for operators and outsiders."""
    membership = staff_membership(user)
    return membership.agency if membership else None


def is_agency_staff(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    """True for anyone whose admin view must be limited to one agency."""
    if user is None or not user.is_authenticated:
        return False
    return staff_membership(user) is not None or not user.is_superuser


def role_permissions(role: str) -> frozenset[str]:
    return ROLE_PERMISSIONS.get(role, frozenset())


class RoleBackend(BaseBackend):
    """Grant permissions from the user's agency role; never authenticates anyone by itself."""

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or not user_obj.is_staff or user_obj.is_anonymous:
            return set()
        membership = staff_membership(user_obj)
        return set(role_permissions(membership.role)) if membership else set()

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj, app_label: str) -> bool:
        return any(p.startswith(f"{app_label}.") for p in self.get_all_permissions(user_obj))
