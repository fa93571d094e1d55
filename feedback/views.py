"""The community member's path: code → survey → thank-you. Nothing here identifies the person."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

from django.conf import settings
from django.core import signing
from django.core.exceptions import SuspiciousOperation
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods
from django.views.defaults import bad_request

from agencies.models import Agency
from surveys.models import Survey

from . import captcha, ratelimit
from .codes import code_digest, format_code, normalize_code
from .forms import EntryForm, SurveyForm, kept_answers, make_form_token, read_form_token
from .models import Category
from .releases import thanks_release
from .services import CodeRefused, Contact, code_check, feedback_submit

try:
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover
    RedisError = OSError  # type: ignore[misc,assignment]

THANKS_SALT = "feedback.thanks"
UNAVAILABLE_RETRY_AFTER = 30
REFUSAL_STATUS = {
    CodeRefused.UNKNOWN: 404,
    CodeRefused.UNPUBLISHED: 404,
    CodeRefused.EXPIRED: 410,
    CodeRefused.USED: 410,
}


# The page URL may hold a code: requests from these pages carry at most our origin as Referer,
# never the path. Not "no-referrer": with it browsers send `Origin: null` on the page's own form
# POSTs (survey, language switch), which Django's CSRF origin check must refuse.
REFERRER_POLICY = "strict-origin"


def private_page(view: Callable) -> Callable:
    """No caching anywhere, and no path (so no code) in the Referer of requests from the page."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = REFERRER_POLICY
        return response

    return never_cache(wrapper)


def _refusal(
    request: HttpRequest, reason: str, *, comment: str = "", typed: str = ""
) -> HttpResponse:
    # An unknown code is offered back as typed, so one wrong character is fixed, not retyped.
    form = EntryForm(initial={"code": typed[:64]} if reason == CodeRefused.UNKNOWN else None)
    context = {"reason": reason, "form": form, "comment": comment}
    return render(request, "feedback/refusal.html", context, status=REFUSAL_STATUS[reason])


def _limited(request: HttpRequest, limited: ratelimit.Limited, context: dict) -> HttpResponse:
    minutes = max(1, -(-limited.retry_after // 60))
    template = "feedback/survey.html" if "contact" in context else "feedback/entry.html"
    context |= {"notice": "limited", "retry_minutes": minutes}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(limited.retry_after)
    return response


def _unavailable(request: HttpRequest, context: dict) -> HttpResponse:
    template = "feedback/survey.html" if "contact" in context else "feedback/entry.html"
    response = render(request, template, context | {"notice": "unavailable"}, status=503)
    response["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER)
    return response


@private_page
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def entry(request: HttpRequest) -> HttpResponse:
    """Type the code from the card."""
    if language := _language_asked(request):  # the switch submits the code form: keep the code
        translation.activate(language)
        request.LANGUAGE_CODE = language
        form = EntryForm(initial={"code": request.POST.get("code", "")[:64]})
        response = render(request, "feedback/entry.html", {"form": form})
        return _with_language_cookie(response, language)
    form = EntryForm(request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "feedback/entry.html", {"form": form}, status=200)
    code = form.cleaned_data["code"]
    limited = _count_lookup(request, code_digest(code))
    if limited:
        return _limited(request, limited, {"form": form})
    try:
        code_check(code=code)
    except CodeRefused as refusal:
        return _refusal(request, refusal.reason, typed=form.data.get("code", ""))
    response = redirect("feedback:survey", raw_code=format_code(code))
    response.status_code = 303
    return response


def _is_form_post(request: HttpRequest) -> bool:
    """A survey POST is a form (urlencoded or multipart) carrying our form token."""
    form_types = {"application/x-www-form-urlencoded", "multipart/form-data"}
    return request.content_type in form_types and "form_token" in request.POST


def _survey_context(contact: Contact, form: SurveyForm, token: str) -> dict:
    backend = captcha.backend()
    return {
        # What the empty form's cached markup depends on besides the language (survey.html): the
        # survey, whose questions are frozen once it is published (a new version is a new survey).
        "form_cache_key": form.questions[0].survey_id if form.questions else 0,
        "contact": contact,
        "agency": contact.code.agency,
        "category_label": Category(contact.category).label,
        "form": form,
        "form_token": token,
        "k": settings.MIN_PUBLIC_RESPONSES,
        "captcha_backend": backend,
        "recaptcha_version": getattr(settings, "RECAPTCHA_VERSION", "v2"),
        "recaptcha_public_key": captcha.recaptcha_keys()[0] if backend == "recaptcha" else "",
    }


def _count_lookup(request: HttpRequest, digest: str) -> ratelimit.Limited | None:
    """Count a code attempt per client and per code (per process while the cache is down)."""
    return ratelimit.lookup_hit(request, digest)


@private_page
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
@sensitive_variables("code", "raw_code")
def survey(request: HttpRequest, raw_code: str) -> HttpResponse:
    """Show the survey for a code (GET) and submit it (POST)."""
    if request.method == "POST" and not _is_form_post(request):
        return bad_request(request, SuspiciousOperation("not a survey form submission"))
    code = normalize_code(raw_code)
    if code is None:
        return _refusal(request, CodeRefused.UNKNOWN, typed=raw_code)
    digest = code_digest(code)
    limited = _count_lookup(request, digest)
    try:
        contact = code_check(code=code)
    except CodeRefused as refusal:
        return _survey_refused(request, refusal, limited=limited, digest=digest, typed=raw_code)
    current = Survey.objects.current()
    questions = current.questions.order_by("order")
    switch_to = _language_asked(request)
    if switch_to:  # the answers come back as the form's starting values: nothing is judged yet
        translation.activate(switch_to)  # before the form: it reads each question's text now
        request.LANGUAGE_CODE = switch_to
        form = SurveyForm(initial=kept_answers(request.POST), questions=questions, digest=digest)
    else:
        form = SurveyForm(request.POST or None, questions=questions, digest=digest)
    submitted = request.POST.get("form_token", "")
    token = submitted if read_form_token(submitted, digest) is not None else make_form_token(digest)
    context = _survey_context(contact, form, token)
    if limited:
        return _limited(request, limited, context)
    if switch_to:
        return _survey_in_language(request, switch_to, context)
    if request.method != "POST":
        return render(request, "feedback/survey.html", context)
    return _survey_submit(request, code=code, survey=current, form=form, context=context)


def _language_asked(request: HttpRequest) -> str | None:
    """The language asked by the switch on the code and survey pages (its buttons submit the page's
    form, so what was typed travels in the body, never in an address), or None for a real send."""
    if request.method != "POST":
        return None
    language = request.POST.get("language", "")
    return language if language in dict(settings.LANGUAGES) else None


def _survey_in_language(request: HttpRequest, language: str, context: dict) -> HttpResponse:
    """Show the same survey, with every answer kept, in the language asked for (active now)."""
    return _with_language_cookie(render(request, "feedback/survey.html", context), language)


def _with_language_cookie(response: HttpResponse, language: str) -> HttpResponse:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def _survey_refused(
    request: HttpRequest,
    refusal: CodeRefused,
    *,
    limited: ratelimit.Limited | None,
    digest: str,
    typed: str,
) -> HttpResponse:
    if limited:  # say nothing about the code to a client over its limit
        return _limited(request, limited, {"form": EntryForm()})
    if request.method == "POST":
        resubmitted = read_form_token(request.POST.get("form_token", ""), digest) is not None
        if refusal.reason == CodeRefused.USED and resubmitted:
            return _thanks_redirect(refusal.agency_id)  # double click or resubmit after success
        return _refusal(request, refusal.reason, comment=request.POST.get("comment", "")[:2000])
    return _refusal(request, refusal.reason, typed=typed)


def _count_unproven(request: HttpRequest, agency_id: int) -> ratelimit.Limited | None:
    """Without proof of work, the time on the page, the honeypot and these much tighter limits
    per client and per agency are the guard (docs/privacy.md, "Without JavaScript")."""
    return ratelimit.hit(
        request,
        unproven_client=ratelimit.client_key(request),
        unproven_agency=str(agency_id),
    )


@sensitive_variables("code")
def _survey_submit(
    request: HttpRequest, *, code: str, survey: Survey, form: SurveyForm, context: dict
) -> HttpResponse:
    try:
        limited = ratelimit.hit(request, agency=str(context["contact"].code.agency_id))
        if limited:
            return _limited(request, limited, context)
        if not form.is_valid():
            return render(request, "feedback/survey.html", context)
        if form.unproven and (limited := _count_unproven(request, context["agency"].pk)):
            return _limited(request, limited, context)
        feedback = feedback_submit(
            code=code,
            survey=survey,
            answers=form.answers(),
            comment=form.cleaned_data["comment"],
            publish_consent=form.publish_consent(),
            demographics=form.demographics(),
            kudos=form.cleaned_data.get("kudos", ""),
            language=(get_language() or "en")[:2],
            contact=context["contact"],
        )
    except CodeRefused as refusal:
        if refusal.reason == CodeRefused.USED:
            return _thanks_redirect(refusal.agency_id)  # lost a race with our own double click
        return _refusal(request, refusal.reason, comment=form.data.get("comment", "")[:2000])
    except (ratelimit.LimiterUnavailable, RedisError, OSError, DatabaseError):
        # Cache or database down: nothing was saved (the transaction rolled back); keep the answers.
        return _unavailable(request, context)
    return _thanks_redirect(feedback.agency_id, month=feedback.interaction_month)


def thanks_token(agency_id: int | None, *, month: dt.date | None = None) -> str:
    """The thank-you page's token: the agency to link to and the month of the contact (which the
    person knows, to say when their answer first counts), and nothing else.

    Signed without a timestamp (PRIVACY.md rule 9): everyone who answers one agency's survey about
    one month gets the same token, so it cannot tell anyone when a response was sent.
    """
    payload = {"a": agency_id, **({"m": f"{month:%Y-%m}"} if month else {})}
    return signing.Signer(salt=THANKS_SALT).sign_object(payload)


def _thanks_redirect(agency_id: int | None, *, month: dt.date | None = None) -> HttpResponse:
    token = thanks_token(agency_id, month=month)
    response = redirect(f"{reverse('feedback:thanks')}?t={token}")
    response.status_code = 303
    return response


@private_page
@require_GET
def thanks(request: HttpRequest) -> HttpResponse:
    """Say thank you and what happens next; a refresh shows the same page, nothing more."""
    agency = None
    try:
        data = signing.Signer(salt=THANKS_SALT).unsign_object(request.GET.get("t", ""))
    except signing.BadSignature:
        data = {}
    if isinstance(data, dict) and isinstance(data.get("a"), int):
        agency = Agency.objects.published().filter(pk=data["a"]).first()
    try:
        agency_url = agency.get_absolute_url() if agency else ""
    except NoReverseMatch:  # the Agency Pages are not wired in (yet)
        agency_url = ""
    context = {"agency": agency, "agency_url": agency_url, "k": settings.MIN_PUBLIC_RESPONSES}
    context.update(thanks_release(data.get("m") if isinstance(data, dict) else None))
    return render(request, "feedback/thanks.html", context)


@require_GET
def anonymity(request: HttpRequest) -> HttpResponse:
    """The public "Your anonymity" page: what is and is not stored, in plain words."""
    context = {
        "operator_mode": getattr(settings, "OPERATOR_MODE", "hosted"),
        "captcha_backend": captcha.backend(),
        "min_responses": getattr(settings, "MIN_PUBLIC_RESPONSES", 10),
        "retention_days": getattr(settings, "RETENTION_DAYS", 180),
    }
    return render(request, "feedback/anonymity.html", context)
