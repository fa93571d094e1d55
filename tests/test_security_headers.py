"""SECURITY.md 3 and 4: headers on every HTML response; no cookies for anonymous visitors."""

import pytest

pytestmark = pytest.mark.django_db


def test_html_responses_carry_the_security_headers(client) -> None:
    response = client.get("/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] in {"same-origin", "no-referrer", "strict-origin"}
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if " " in d.strip())
    assert "'unsafe-inline'" not in directives["script-src"]
    assert directives["frame-ancestors"] == "'none'"
    assert directives["default-src"] == "'self'"


def test_only_the_captcha_provider_is_a_third_party_origin(client) -> None:
    response = client.get("/")
    # With the default backend (reCAPTCHA) Google's hosts are the only third parties allowed.
    others = [
        token
        for token in response["Content-Security-Policy"].replace(";", " ").split()
        if token.startswith("https://")
    ]
    assert set(others) <= {
        "https://www.google.com",
        "https://www.gstatic.com",
        "https://www.recaptcha.net",
    }


def test_hsts_is_sent_over_https_in_production_settings(client, settings) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_anonymous_visitors_get_no_session_cookie(client) -> None:
    response = client.get("/")
    assert "sessionid" not in response.cookies
    assert "Server" not in response or "/" not in response["Server"]
