"""Staff login helpers: the client address django-axes counts failures against."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def client_address(request: HttpRequest) -> str:
    """Return REMOTE_ADDR, or the address the configured number of trusted proxies saw.

    A client can prepend anything to X-Forwarded-For; only the entries our own proxies appended
    (the last TRUSTED_PROXY_COUNT) are trusted (SECURITY.md 8).
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR", "")
    if proxies <= 0:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    if len(hops) < proxies:
        return remote
    return hops[-proxies]


def lockout_response(
    request: HttpRequest, original_response=None, credentials=None
) -> HttpResponse:
    """The friendly 429 page django-axes shows after too many failed sign-ins."""
    minutes = max(1, round(float(settings.AXES_COOLOFF_TIME) * 60))
    response = render(request, "staff/locked_out.html", {"cooloff_minutes": minutes}, status=429)
    response["Retry-After"] = str(minutes * 60)
    response["Cache-Control"] = "no-store"
    return response
