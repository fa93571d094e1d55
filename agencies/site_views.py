"""The public site around the product: home, explanations, onboarding, stay-connected, errors."""

from __future__ import annotations

import math

from django.conf import settings
from django.forms import Form
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    HttpResponseServerError,
)
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_safe
from django_ratelimit.exceptions import Ratelimited

from . import services
from .clientkey import LimiterUnavailable, seconds_until_allowed
from .models import Agency
from .site_forms import AgencyInterestForm, SubscribeForm

FORM_RATE = "5/h"


def demo_agency() -> Agency | None:
    """The published demo agency the site offers to visitors, when the demo is enabled."""
    if not settings.DEMO_ENABLED:
        return None
    return Agency.objects.published().filter(is_demo=True).order_by("pk").first()


@require_GET
def demo(request: HttpRequest) -> HttpResponse:
    agency = demo_agency()
    context = {
        "demo_agency": agency,
        "agency": agency,  # shows the demo banner
        "demo_username": settings.DEMO_STAFF_USERNAME,
        "demo_password": settings.DEMO_STAFF_PASSWORD,
        "demo_analyst_username": settings.DEMO_ANALYST_USERNAME,
        "demo_analyst_password": settings.DEMO_ANALYST_PASSWORD,
    }
    return render(request, "site/demo.html", context)


def too_many_requests(request: HttpRequest, retry_after: int = 3600) -> HttpResponse:
    """Render the friendly 429 page with a Retry-After header."""
    context = {"retry_minutes": max(1, math.ceil(retry_after / 60))}
    response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def _form_limit(request: HttpRequest) -> int | None:
    return seconds_until_allowed(request, group="site:forms", rate=FORM_RATE)


def _form_unavailable(request: HttpRequest, template: str, form: Form) -> HttpResponse:
    """The shared cache is down, so the rate limit cannot be counted: keep what was typed."""
    form.is_valid()  # show the person's input back, with any field errors it has
    form.add_error(
        None,
        _(
            "We could not send this just now because part of our service is down. Nothing was "
            "saved. Please try again in a minute: what you typed is still here."
        ),
    )
    response = render(request, template, {"form": form}, status=503)
    response["Retry-After"] = "60"
    return response


def _honeypot_filled(request: HttpRequest) -> bool:
    return bool(request.POST.get("website"))


@require_http_methods(["GET", "POST"])
def for_agencies(request: HttpRequest) -> HttpResponse:
    form = AgencyInterestForm(request.POST or None)
    try:
        wait = _form_limit(request) if request.method == "POST" else None
    except LimiterUnavailable:
        return _form_unavailable(request, "site/for_agencies.html", form)
    if wait:
        return too_many_requests(request, wait)
    if request.method == "POST":
        if _honeypot_filled(request):
            return redirect("site:for_agencies_thanks")  # a bot: pretend all went well
        if form.is_valid():
            form.save()
            return redirect("site:for_agencies_thanks")
    return render(request, "site/for_agencies.html", {"form": form})


@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest) -> HttpResponse:
    form = SubscribeForm(request.POST or None)
    try:
        wait = _form_limit(request) if request.method == "POST" else None
    except LimiterUnavailable:
        return _form_unavailable(request, "site/subscribe.html", form)
    if wait:
        return too_many_requests(request, wait)
    if request.method == "POST":
        if _honeypot_filled(request):
            return redirect("site:subscribe_sent")
        if form.is_valid():
            services.subscriber_signup(**form.cleaned_data, language=get_language() or "en")
            return redirect("site:subscribe_sent")
    return render(request, "site/subscribe.html", {"form": form})


@require_GET
def for_agencies_thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "site/for_agencies_thanks.html")


def _message(request: HttpRequest, heading: str, message: str, status: int = 200) -> HttpResponse:
    context = {"heading": heading, "message": message}
    return render(request, "site/subscribe_message.html", context, status=status)


@require_GET
def subscribe_sent(request: HttpRequest) -> HttpResponse:
    return _message(
        request,
        _("Check your inbox"),
        _(
            "If the address is right, an e-mail with a confirmation link is on its way. "
            "Nothing more arrives until you open that link."
        ),
    )


@require_GET
def subscribe_confirm(request: HttpRequest, token: str) -> HttpResponse:
    if services.subscriber_confirm(token=token) is None:
        return _message(
            request,
            _("This link does not work any more"),
            _("Confirmation links expire after %(days)s days. Please sign up again.")
            % {"days": services.SUBSCRIBE_CONFIRM_DAYS},
            status=400,
        )
    return _message(request, _("You are subscribed"), _("Thank you. We will keep you posted."))


@require_GET
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    # One click: the signed link itself is the authority, and deleting twice is harmless.
    if not services.subscriber_unsubscribe(token=token):
        return _message(
            request,
            _("This link does not work"),
            _("Please use the link from the most recent e-mail we sent you."),
            status=400,
        )
    return _message(
        request,
        _("You are unsubscribed"),
        _("Your address has been deleted. You will not receive any more e-mail from us."),
    )


@require_safe
def language(request: HttpRequest, code: str) -> HttpResponse:
    """Switch the interface language with a plain link, then go back to the page.

    Pages cached whole (the Agency Page) offer this GET link instead of Django's POST set_language,
    so they carry no CSRF token and one stored copy serves everyone; every POST is still checked
    (SECURITY.md 5). Choosing a language changes no data, only this browser's preference cookie: a
    forged link could at most show someone the other language, with the switch back on every page.
    Pages whose address holds a feedback code keep the POST form, so a code never travels in a
    query string.
    """
    if code not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    add_never_cache_headers(response)  # a redirect that sets a cookie must not be cached
    return response


# --- error pages (handler400/403/404/500 in openpolicing/urls.py) -------------------------------
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if isinstance(exception, Ratelimited):
        return too_many_requests(request)
    return render(request, "403.html", status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a friendly, translated page instead of Django's technical one."""
    return render(request, "403_csrf.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    try:
        return render(request, "500.html", status=500)
    except Exception:  # noqa: BLE001 - whatever broke may break the full page too: plain HTML
        return HttpResponseServerError(
            "<!doctype html><title>500</title><h1>{}</h1><p>{}</p>".format(
                escape(_("Something went wrong on our side")),
                escape(_("Please try again in a few minutes.")),
            )
        )
