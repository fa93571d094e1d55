"""Staff sign-in: lockouts, a per-username back-off, privacy of sign-in records, two-step offers.

Two limits apply to password guessing (SECURITY.md 13, 31):

- django-axes locks one username *from one address* after AXES_FAILURE_LIMIT failures, for
  AXES_COOLOFF_TIME. It never locks out every staff member behind one office NAT.
- The per-username back-off below counts failures for one username *from every address*. After
  STAFF_LOGIN_FREE_FAILURES failures, each further attempt must wait: 30 s, then twice as long
  after each further failure, at most STAFF_LOGIN_BACKOFF_MAX_SECONDS (15 minutes); a success
  or a day without failures forgets the count. While it waits, an attempt is refused before the
  password is checked, and a refused attempt does not lengthen the wait.

The trade-off: a distributed guesser gets STAFF_LOGIN_FREE_FAILURES guesses, then about four an
hour at most, whatever the number of addresses it uses. Anyone can start a username's back-off
by typing wrong passwords for it, so it never locks the account: the wait is at most 15 minutes
from the last failure, and a browser that signed in to that account before (a signed "known
device" cookie, 90 days) is not held back at all, so the real person on their usual browser signs
in as usual during an attack (OWASP's device-cookie approach). A new browser during a sustained
attack may wait up to 15 minutes per try. If the shared cache is down, the back-off is not
counted (logged); axes' per-address lockout, kept in the database, still applies.

Sign-in records keep no client address or user agent: axes stores a daily pseudonym of the
address (agencies.clientkey.address_pseudonym) and an empty user agent (PrivateAxesHandler).
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import logging
import math
import time
from collections.abc import Iterator

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import BaseBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django_otp import user_has_device

from .models import Membership
from .roles import staff_membership

logger = logging.getLogger(__name__)

USERNAME_MAX = 150  # django.contrib.auth's username length: nothing longer can sign in
BACKOFF_BASE_SECONDS = 30
BACKOFF_MEMORY_SECONDS = 24 * 60 * 60
DEVICE_COOKIE = "op_staff_device"
DEVICE_SALT = "agencies.staff_login.device"
DEVICE_DAYS = 90


def _free_failures() -> int:
    return int(getattr(settings, "STAFF_LOGIN_FREE_FAILURES", 10))


def _backoff_max() -> int:
    return int(getattr(settings, "STAFF_LOGIN_BACKOFF_MAX_SECONDS", 900))


# --- the lockout page ------------------------------------------------------------------------


def lockout_response(
    request: HttpRequest, original_response=None, credentials=None
) -> HttpResponse:
    """The friendly 429 page for an axes lockout or a username back-off."""
    wait = getattr(request, "staff_login_wait", None)
    seconds = wait if wait else float(settings.AXES_COOLOFF_TIME) * 3600
    minutes = max(1, math.ceil(seconds / 60))
    context = {"cooloff_minutes": minutes, "username_backoff": bool(wait)}
    response = render(request, "staff/locked_out.html", context, status=429)
    response["Retry-After"] = str(int(seconds) if wait else minutes * 60)
    response["Cache-Control"] = "no-store"
    return response


# --- what axes stores --------------------------------------------------------------------------


def axes_username(request: HttpRequest | None, credentials: dict | None = None) -> str | None:
    """AXES_USERNAME_CALLABLE: the username tried, cut to the longest one that can exist.

    A 100 kB username would not fit axes' column (a database error, a 500); nothing longer than
    USERNAME_MAX can sign in, so the cut changes no count that matters.
    """
    raw = credentials.get("username") if credentials else None
    if raw is None and request is not None:
        raw = getattr(request, "POST", {}).get("username")
    return raw[:USERNAME_MAX] if isinstance(raw, str) else raw


def _scrub(request: HttpRequest | None) -> None:
    if request is not None:
        request.axes_user_agent = ""  # sign-in records keep no user agent (PRIVACY.md)


class PrivateAxesHandler(AxesDatabaseHandler):
    """django-axes' database handler, storing no user agent (the address is a pseudonym)."""

    def get_failures(self, request, credentials=None) -> int:  # noqa: ANN001 - axes' signature
        _scrub(request)
        return super().get_failures(request, credentials)

    def user_login_failed(self, sender, credentials, request=None, **kwargs):  # noqa: ANN001,ANN201
        _scrub(request)
        return super().user_login_failed(sender, credentials, request, **kwargs)

    def user_logged_in(self, sender, request, user, **kwargs):  # noqa: ANN001,ANN201
        _scrub(request)
        return super().user_logged_in(sender, request, user, **kwargs)

    def user_logged_out(self, sender, request, user, **kwargs):  # noqa: ANN001,ANN201
        _scrub(request)
        return super().user_logged_out(sender, request, user, **kwargs)


# --- the per-username back-off -----------------------------------------------------------------


def _username_digest(username: str) -> str:
    name = username[:USERNAME_MAX].casefold().encode()
    return hashlib.sha256(b"staff-login:" + name).hexdigest()[:32]


def _keys(username: str) -> tuple[str, str]:
    digest = _username_digest(username)
    return f"staff-login:failures:{digest}", f"staff-login:until:{digest}"


def username_wait(username: str) -> int:
    """Seconds before this username may try a password again (0: now)."""
    try:
        until = cache.get(_keys(username)[1])
    except Exception:  # noqa: BLE001 - cache down: axes' per-address lockout still applies
        logger.warning("shared cache unavailable: staff sign-in back-off not checked")
        return 0
    return max(0, math.ceil(until - time.time())) if until else 0


def username_failed(username: str) -> int:
    """Count a wrong password for this username; return the wait it now has (seconds)."""
    failures_key, until_key = _keys(username)
    try:
        cache.add(failures_key, 0, BACKOFF_MEMORY_SECONDS)
        failures = cache.incr(failures_key)
        cache.touch(failures_key, BACKOFF_MEMORY_SECONDS)
        over = failures - _free_failures()
        if over <= 0:
            return 0
        delay = min(BACKOFF_BASE_SECONDS * 2 ** min(over - 1, 20), _backoff_max())
        cache.set(until_key, time.time() + delay, delay + 60)
        return delay
    except Exception:  # noqa: BLE001 - cache down: not counted, axes still counts
        logger.warning("shared cache unavailable: staff sign-in failure not counted")
        return 0


def username_forget(username: str) -> None:
    """A successful sign-in (or the demo reset) clears the username's count."""
    with contextlib.suppress(Exception):  # cache down: the keys expire on their own
        cache.delete_many(list(_keys(username)))


def _known_device(request: HttpRequest | None, username: str) -> bool:
    value = request.COOKIES.get(DEVICE_COOKIE) if request is not None else None
    if not value:
        return False
    try:
        digest = signing.loads(value, salt=DEVICE_SALT, max_age=DEVICE_DAYS * 86400)
    except signing.BadSignature:
        return False
    return digest == _username_digest(username)


class UsernameBackoffBackend(BaseBackend):
    """First in AUTHENTICATION_BACKENDS: refuses a username in back-off before any password check.

    Authenticates nobody itself. Raising PermissionDenied stops Django trying the other backends.
    """

    def authenticate(self, request: HttpRequest | None, username: str | None = None, **kwargs):  # noqa: ANN003,ANN201
        if not username or _known_device(request, username):
            return None
        wait = username_wait(username)
        if wait and request is not None:
            request.staff_login_wait = wait
            request.axes_locked_out = True  # AxesMiddleware answers with lockout_response
        if wait:
            raise PermissionDenied
        return None


@receiver(user_login_failed)
def _count_failure(
    sender: object, credentials: dict, request: HttpRequest | None = None, **kwargs: object
) -> None:
    username = credentials.get("username")
    if not isinstance(username, str) or not username:
        return
    if request is not None and getattr(request, "staff_login_wait", None):
        return  # refused while waiting: does not lengthen the wait
    wait = username_failed(username)
    if wait:
        logger.warning("staff sign-in back-off started for one username (%ss)", wait)


@receiver(user_logged_in)
def _signed_in(sender: object, request: HttpRequest | None, user, **kwargs: object) -> None:  # noqa: ANN001
    username_forget(user.get_username())
    if request is None:
        return
    request._staff_device = _username_digest(user.get_username())
    if not is_demo_login(user) and not user_has_device(user, confirmed=True):
        try:
            link = reverse("admin:staff_otp")
        except NoReverseMatch:
            return
        messages.info(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _("Protect your account with a second step: a code from an authenticator app."),
                link,
                _("Turn on two-step sign-in"),
            ),
            fail_silently=True,
        )


# --- the shared demo logins --------------------------------------------------------------------


def demo_usernames() -> set[str]:
    names = {
        getattr(settings, "DEMO_STAFF_USERNAME", ""),
        getattr(settings, "DEMO_ANALYST_USERNAME", ""),
    }
    return {n for n in names if n}


def is_demo_login(user: object) -> bool:
    return (
        bool(getattr(user, "is_authenticated", False)) and user.get_username() in demo_usernames()
    )


_restoring_demo: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "restoring_demo", default=False
)


@contextlib.contextmanager
def demo_restore() -> Iterator[None]:
    """Lets the demo reset write the demo logins' password, e-mail and devices."""
    token = _restoring_demo.set(True)
    try:
        yield
    finally:
        _restoring_demo.reset(token)


@receiver(pre_save, sender=get_user_model())
def _guard_demo_user(sender: type, instance, raw: bool = False, **kwargs: object) -> None:  # noqa: ANN001
    """The public demo logins' password and e-mail change only through the demo reset."""
    if (
        raw
        or _restoring_demo.get()
        or instance.pk is None
        or instance.get_username() not in demo_usernames()
    ):
        return
    stored = sender._default_manager.filter(pk=instance.pk).values("password", "email").first()
    if stored and (stored["password"] != instance.password or stored["email"] != instance.email):
        raise PermissionDenied("the shared demo login cannot change its password or e-mail")


def _guard_demo_device(sender: type, instance, raw: bool = False, **kwargs: object) -> None:  # noqa: ANN001
    if raw or _restoring_demo.get():
        return
    user = getattr(instance, "user", None)
    if user is not None and user.get_username() in demo_usernames():
        raise PermissionDenied("the shared demo login cannot enrol a second factor")


def _connect_device_guards() -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    # The only device type installed (INSTALLED_APPS); add any other plugin's model here.
    pre_save.connect(_guard_demo_device, sender=TOTPDevice, dispatch_uid="demo-device-guard")


_connect_device_guards()

# Pages the shared demo logins may not open: their own password, e-mail and second factor.
DEMO_BLOCKED = {
    "admin:password_change",
    "admin:password_change_done",
    "admin:staff_otp",
    "admin:auth_user_change",
    "admin:auth_user_password",
}
# Pages an agency admin without two-step sign-in may still open (to turn it on, or leave).
TOTP_EXEMPT = {"admin:staff_otp", "admin:logout", "admin:login", "admin:jsi18n"}


class StaffAccountMiddleware:
    """After authentication: the demo logins' guard, required two-step sign-in for agency admins,
    and the known-device cookie of a successful sign-in."""

    def __init__(self, get_response) -> None:  # noqa: ANN001
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        early = self._gate(request)
        response = early or self.get_response(request)
        digest = getattr(request, "_staff_device", None)
        if digest:
            response.set_cookie(
                DEVICE_COOKIE,
                signing.dumps(digest, salt=DEVICE_SALT),
                max_age=DEVICE_DAYS * 86400,
                path="/admin/",
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def _gate(self, request: HttpRequest) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not request.path.startswith("/admin/"):
            return None
        try:
            name = resolve(request.path_info).view_name
        except Resolver404:
            return None
        if is_demo_login(user) and name in DEMO_BLOCKED:
            messages.error(
                request,
                _(
                    "This is the shared demo login: its password, e-mail and two-step sign-in "
                    "cannot be changed. Everything resets every night."
                ),
                fail_silently=True,
            )
            return redirect("admin:index")
        if (
            getattr(settings, "STAFF_TOTP_REQUIRED_FOR_ADMINS", False)
            and name not in TOTP_EXEMPT
            and not is_demo_login(user)
            and not user_has_device(user, confirmed=True)
        ):
            membership = staff_membership(user)
            if membership is not None and membership.role == Membership.Role.ADMIN:
                messages.warning(
                    request,
                    _("Agency admins must turn on two-step sign-in before they continue."),
                    fail_silently=True,
                )
                return redirect("admin:staff_otp")
        return None
