"""Refuse input no page accepts, before any view, form or query sees it (SECURITY.md 17, 32).

A NUL byte cannot be stored in PostgreSQL text (psycopg raises DataError), a 19-digit number
overflows the C integers behind `datetime` (OverflowError, e.g. in the admin's date drill-down),
and a value far longer than any field is only ever an attack. Checking once here, for the path,
every query and form value and the cookies, gives a 400 page on every URL instead of a patch per
view. The shared cache being unreachable (the rate limiter's LimiterUnavailable, a RedisError) is
answered with the 503 page wherever a view did not handle it itself.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation

from .clientkey import LimiterUnavailable, RedisError

logger = logging.getLogger(__name__)

# Longer than any integer a model field or a date part can hold (int64 has 19 digits).
_HUGE_NUMBER = re.compile(r"^[+-]?0*\d{19,}$")
# No field of the project takes more than this many characters from a query string or a form
# field name; form values are limited by DATA_UPLOAD_MAX_MEMORY_SIZE and each form's max_length.
MAX_QUERY_VALUE = 2_000
_FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}


def hostile_reason(request: HttpRequest) -> str | None:
    """Why the request is refused (for the log: no value is ever repeated), or None."""
    if "\x00" in request.path:
        return "NUL in path"
    if _bad_items(request.GET.lists(), limit=MAX_QUERY_VALUE):
        return "query string"
    for name, value in request.COOKIES.items():
        if "\x00" in name or "\x00" in value:
            return "NUL in cookie"
    form = request.method == "POST" and request.content_type in _FORM_TYPES
    if form and _bad_items(request.POST.lists(), limit=None):
        return "form field"
    return None


def _bad_items(items: Iterable[tuple[str, list[str]]], *, limit: int | None) -> bool:
    for key, values in items:
        if "\x00" in key or len(key) > MAX_QUERY_VALUE:
            return True
        for value in values:
            if "\x00" in value or _HUGE_NUMBER.match(value):
                return True
            if limit is not None and len(value) > limit:
                return True
    return False


def bad_request_page(request: HttpRequest) -> HttpResponse:
    """The translated 400 page, in the language the visitor chose (this runs before Locale)."""
    language = translation.get_language_from_request(request)
    with translation.override(language):
        response = render(request, "400.html", status=400)
    response["Cache-Control"] = "no-store"
    return response


def cache_unavailable_page(request: HttpRequest) -> HttpResponse:
    response = render(request, "503.html", status=503)
    response["Retry-After"] = "30"
    response["Cache-Control"] = "no-store"
    return response


class HostileInputMiddleware:
    """400 for NUL bytes, huge numbers and oversized query values; 503 for a cache outage.

    Placed right after SecurityMiddleware, so nothing (sessions, CSRF, axes, views) reads the
    input first; its process_exception catches a cache outage that a view let through.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        reason = hostile_reason(request)
        if reason is not None:
            logger.info("refused a request: %s", reason)
            return bad_request_page(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, ValueError) and _admin_form_lookup(request, exception):
            logger.info("refused a request: a form value of the wrong type")
            return bad_request_page(request)
        if isinstance(exception, LimiterUnavailable | RedisError | OverflowError):
            if isinstance(exception, OverflowError):
                logger.info("refused a request: number out of range")
                return bad_request_page(request)
            logger.warning("shared cache unavailable: %s", type(exception).__name__)
            return cache_unavailable_page(request)
        return None


def _admin_form_lookup(request: HttpRequest, exception: ValueError) -> bool:
    """Django's admin autocomplete widget, re-rendering a refused form, looks the submitted value
    up as an id ("Field 'id' expected a number but got ..."): that is the request's fault."""
    return (
        request.method == "POST"
        and request.path.startswith("/admin/")
        and str(exception).startswith("Field '")
        and "expected a number" in str(exception)
    )
