"""Staff login helpers: the page django-axes shows when a sign-in is locked out."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def lockout_response(
    request: HttpRequest, original_response=None, credentials=None
) -> HttpResponse:
    """The friendly 429 page django-axes shows after too many failed sign-ins."""
    minutes = max(1, round(float(settings.AXES_COOLOFF_TIME) * 60))
    response = render(request, "staff/locked_out.html", {"cooloff_minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    response["Cache-Control"] = "no-store"
    return response
