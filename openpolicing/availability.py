"""Answer 503 "temporarily unavailable", never a 500 with a traceback, while the database is away.

PostgreSQL restarts (SECURITY.md 25): queries fail with OperationalError/InterfaceError until it is
back. The view's exception becomes a translated 503 page with Retry-After; Django discards the
broken connection at the end of the request (`errors_occurred`) and CONN_HEALTH_CHECKS tests the
next one before use, so service resumes on its own as soon as the database accepts connections.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5


def unavailable_response(request: HttpRequest) -> HttpResponse:
    """The 503 page (templates/503.html when present), without touching the database."""
    try:
        body = render_to_string("503.html", request=request)
    except Exception:  # noqa: BLE001 - no template, or rendering needs what is down: plain page
        title = _("Temporarily unavailable")
        text = _("We could not reach our database. Please try again in a few seconds.")
        body = (
            f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><main><h1>{title}</h1><p>{text}</p></main></body></html>"
        )
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Turn a database outage raised by a view into the 503 page. Keep it last in MIDDLEWARE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError | InterfaceError):
            # No path, address or query: only that it happened (PRIVACY.md, logs).
            logger.warning("database unavailable: %s", type(exception).__name__)
            return unavailable_response(request)
        return None
