"""The public address printed on feedback cards and in e-mails.

Production sets `SITE_URL` and gets exactly that, whatever Host header a request carries. On a
laptop (DEBUG) with no `SITE_URL`, the address follows the server: `./bin/demo` on another PORT
prints cards whose QR codes open that port.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

LAPTOP_DEFAULT = "http://127.0.0.1:8000"


def public_base_url(request: HttpRequest | None = None) -> str:
    """Scheme and host, without a trailing slash."""
    explicit = (settings.SITE_URL or "").rstrip("/")
    if explicit:
        return explicit
    if settings.DEBUG and request is not None:
        # get_host() validates against ALLOWED_HOSTS (localhost names in DEBUG).
        return f"{request.scheme}://{request.get_host()}"
    return LAPTOP_DEFAULT
