"""Friendly error pages: translated, with a way forward, and never a stack trace or version."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.agencies.error_urls")]


@pytest.fixture
def quiet_client() -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    ("path", "status", "english", "spanish"),
    [
        ("/test-errors/suspicious/", 400, "Something was wrong", "Hubo un problema"),
        ("/test-errors/forbidden/", 403, "can’t open this page", "No puede abrir"),
        ("/no-such-page/", 404, "We can’t find that page", "No encontramos esa página"),
        ("/test-errors/limited/", 429, "Too many tries", "Demasiados intentos"),
        ("/test-errors/crash/", 500, "Something went wrong on our side", "Algo falló"),
    ],
)
def test_error_pages_are_friendly_and_translated(
    quiet_client: Client, path: str, status: int, english: str, spanish: str
) -> None:
    for language, words in (("en", english), ("es", spanish)):
        response = quiet_client.get(path, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == status
        body = response.content.decode()
        assert words in body
        assert f'lang="{language}"' in body
        for leak in ("Traceback", "secret-internal-detail", "Django", "Python"):
            assert leak not in body
        assert 'href="/"' in body  # a way forward


def test_rate_limited_page_says_when_to_try_again(quiet_client: Client) -> None:
    response = quiet_client.get("/test-errors/limited/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_503_template_renders_for_outages(rf) -> None:
    from django.template.loader import render_to_string

    request = rf.get("/")
    body = render_to_string("503.html", request=request)
    assert "The service is busy right now" in body


def test_500_falls_back_to_plain_html_when_the_page_itself_fails(rf, monkeypatch) -> None:
    from agencies import site_views

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("template failed")

    monkeypatch.setattr(site_views, "render", broken)
    response = site_views.server_error(rf.get("/"))
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content


def test_a_failed_csrf_check_gets_a_friendly_translated_page() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/for-agencies/", {}, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 403
    body = response.content.decode()
    assert "Este formulario ha caducado" in body
    assert "CSRF" not in body and "Traceback" not in body
