"""Writes that touch several models or the outside world, for agencies and their sign-ups."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.mail import EmailMessage, send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .models import Agency, AgencyInterest, Membership, Subscriber
from .siteurl import public_base_url

# --- site: agency onboarding -------------------------------------------------------------------

INVITE_SUBJECT = "Your invitation / Su invitación — {name}"


class InterestNotApprovable(Exception):
    """The request cannot become an agency: already handled, or its ORI or user already exists."""


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "agency"
    slug, n = base, 2
    while Agency.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _absolute(path: str) -> str:
    return public_base_url() + path


@transaction.atomic
def agency_interest_approve(*, interest: AgencyInterest) -> Agency:
    """Create the unpublished agency, its first admin and membership; e-mail a set-password link."""
    interest = AgencyInterest.objects.select_for_update().get(pk=interest.pk)
    if interest.status != AgencyInterest.Status.NEW:
        raise InterestNotApprovable(_("This request was already handled."))
    if interest.ori and Agency.objects.filter(ori=interest.ori).exists():
        raise InterestNotApprovable(_("An agency with this ORI code already exists."))
    email = interest.contact_email.strip().lower()
    users = get_user_model().objects
    if users.filter(Q(username__iexact=email) | Q(email__iexact=email)).exists():
        raise InterestNotApprovable(_("A user with this e-mail address already exists."))

    agency = Agency.objects.create(
        name=interest.agency_name,
        slug=_unique_slug(f"{interest.agency_name} {interest.state}"),
        ori=interest.ori or None,
        city=interest.city,
        state=interest.state,
        published=False,
    )
    first, _space, last = interest.contact_name.strip().partition(" ")
    # No password: the invitation link lets the new admin choose one.
    user = users.create_user(
        username=email, email=email, first_name=first[:150], last_name=last[:150], is_staff=True
    )
    Membership.objects.create(user=user, agency=agency, role=Membership.Role.ADMIN)
    interest.status = AgencyInterest.Status.APPROVED
    interest.agency = agency
    interest.save(update_fields=["status", "agency"])

    token_path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {
        "agency": agency,
        "user": user,
        "link": _absolute(token_path),
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        "OPERATOR_NAME": settings.OPERATOR_NAME,
    }
    body = render_to_string("site/email/agency_invitation.txt", context)
    # Sent inside the transaction: if the mail server refuses, nothing was created and the
    # operator can simply approve again.
    send_mail(INVITE_SUBJECT.format(name=settings.OPERATOR_NAME), body, None, [email])
    return agency


# --- site: stay connected ----------------------------------------------------------------------

SUBSCRIBE_SALT = "agencies.subscriber.confirm"
UNSUBSCRIBE_SALT = "agencies.subscriber.unsubscribe"
SUBSCRIBE_CONFIRM_DAYS = 7


def _subscriber_token(subscriber: Subscriber, salt: str) -> str:
    # The row's id and a keyed fingerprint of the address, never the address itself: these links
    # end up in server logs as paths.
    fingerprint = salted_hmac(salt, subscriber.email).hexdigest()[:20]
    return signing.dumps([subscriber.pk, fingerprint], salt=salt)


def _subscriber_from_token(
    token: str, salt: str, max_age: dt.timedelta | None = None
) -> Subscriber | None:
    try:
        pk, fingerprint = signing.loads(token, salt=salt, max_age=max_age)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    subscriber = Subscriber.objects.filter(pk=pk).first()
    if subscriber is None:
        return None
    if not constant_time_compare(salted_hmac(salt, subscriber.email).hexdigest()[:20], fingerprint):
        return None  # the id now belongs to another address
    return subscriber


def _subscriber_link(name: str, subscriber: Subscriber, salt: str) -> str:
    return _absolute(reverse(name, kwargs={"token": _subscriber_token(subscriber, salt)}))


@transaction.atomic
def subscriber_signup(*, email: str, city: str, state: str, language: str) -> None:
    """Record an unconfirmed sign-up (or refresh it) and e-mail the confirmation link."""
    # Unconfirmed sign-ups whose link has expired are deleted, as the confirmation e-mail promises.
    stale = timezone.localdate() - dt.timedelta(days=SUBSCRIBE_CONFIRM_DAYS)
    Subscriber.objects.filter(confirmed=False, created_on__lt=stale).delete()
    subscriber, created = Subscriber.objects.get_or_create(
        email=email, defaults={"city": city, "state": state, "language": language}
    )
    if not created and not subscriber.confirmed:
        subscriber.city, subscriber.state, subscriber.language = city, state, language
        subscriber.save(update_fields=["city", "state", "language"])
    template = "already_subscribed" if subscriber.confirmed else "subscribe_confirm"
    unsubscribe = _subscriber_link("site:unsubscribe", subscriber, UNSUBSCRIBE_SALT)
    context = {
        "confirm_link": _subscriber_link("site:subscribe_confirm", subscriber, SUBSCRIBE_SALT),
        "unsubscribe_link": unsubscribe,
        "days": SUBSCRIBE_CONFIRM_DAYS,
        "OPERATOR_NAME": settings.OPERATOR_NAME,
    }
    with translation.override(subscriber.language):
        subject = render_to_string(f"site/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"site/email/{template}.txt", context)
    EmailMessage(subject, body, to=[email], headers={"List-Unsubscribe": f"<{unsubscribe}>"}).send()


@transaction.atomic
def subscriber_confirm(*, token: str) -> Subscriber | None:
    """Confirm the sign-up a confirmation token was made for; None when it is invalid or stale."""
    max_age = dt.timedelta(days=SUBSCRIBE_CONFIRM_DAYS)
    subscriber = _subscriber_from_token(token, SUBSCRIBE_SALT, max_age)
    if subscriber and not subscriber.confirmed:
        subscriber.confirmed = True
        subscriber.confirmed_on = timezone.localdate()
        subscriber.save(update_fields=["confirmed", "confirmed_on"])
    return subscriber


def subscriber_unsubscribe(*, token: str) -> bool:
    """Delete the sign-up an unsubscribe token was made for; False when the token is invalid.

    A valid token whose sign-up is already gone counts as done: unsubscribing twice is harmless.
    """
    try:
        signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return False
    subscriber = _subscriber_from_token(token, UNSUBSCRIBE_SALT)
    if subscriber is not None:
        subscriber.delete()
    return True
