"""The project's URLs plus views that fail on purpose, to reach every error handler."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django_ratelimit.exceptions import Ratelimited

from openpolicing.urls import handler400, handler403, handler404, handler500, urlpatterns


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret-internal-detail")


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


def limited(request: HttpRequest) -> HttpResponse:
    raise Ratelimited


def suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("secret-internal-detail")


urlpatterns = [
    *urlpatterns,
    path("test-errors/crash/", crash),
    path("test-errors/forbidden/", forbidden),
    path("test-errors/limited/", limited),
    path("test-errors/suspicious/", suspicious),
]
__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
