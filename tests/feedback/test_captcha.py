"""Captcha backends. Google is never called: its one network function is patched."""

import io
import json
import re
import socket
from unittest import mock
from urllib.error import HTTPError, URLError

import altcha
import pytest
from django import forms

from feedback import captcha


class FakeResponse(io.BytesIO):
    pass


def google_says(data: object):
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    return mock.patch("django_recaptcha.client.recaptcha_request", return_value=FakeResponse(body))


@pytest.fixture
def recaptcha(settings):
    settings.CAPTCHA_BACKEND = "recaptcha"
    settings.RECAPTCHA_VERSION = "v2"
    settings.DEBUG = True
    return captcha.RecaptchaField()


def test_recaptcha_accepts_a_token_google_accepts_and_never_sends_the_address(recaptcha) -> None:
    with google_says({"success": True}) as call:
        recaptcha.verify("token-123")
    sent = call.call_args.args[0].decode()
    assert "response=token-123" in sent
    assert "remoteip" not in sent and "198.51" not in sent


def test_recaptcha_refuses_a_token_google_refuses(recaptcha) -> None:
    with (
        google_says({"success": False, "error-codes": ["invalid-input-response"]}),
        pytest.raises(forms.ValidationError) as exc,
    ):
        recaptcha.verify("bad")
    assert exc.value.code == "captcha_invalid"


def test_recaptcha_missing_token_is_refused_without_calling_google(recaptcha) -> None:
    with google_says({"success": True}) as call, pytest.raises(forms.ValidationError):
        recaptcha.verify("")
    call.assert_not_called()


@pytest.mark.parametrize(
    "failure",
    [
        HTTPError("https://www.google.com", 500, "boom", {}, None),
        URLError(socket.gaierror(-2, "Name or service not known")),
        TimeoutError("timed out"),
        ConnectionResetError(),
    ],
    ids=["http-error", "dns-failure", "timeout", "reset"],
)
def test_recaptcha_provider_failures_become_a_friendly_form_error(recaptcha, failure) -> None:
    with (
        mock.patch("django_recaptcha.client.recaptcha_request", side_effect=failure),
        pytest.raises(forms.ValidationError) as exc,
    ):
        recaptcha.verify("token")
    assert exc.value.code == "captcha_error"
    assert "try again" in str(exc.value.messages[0])


@pytest.mark.parametrize("body", [b"<html>", b"[]", b'{"ok": 1}', b"\xff\xfe"])
def test_recaptcha_bad_answers_become_a_friendly_form_error(recaptcha, body) -> None:
    with google_says(body), pytest.raises(forms.ValidationError) as exc:
        recaptcha.verify("token")
    assert exc.value.code == "captcha_error"


def test_recaptcha_v3_needs_the_action_and_the_score(settings) -> None:
    settings.CAPTCHA_BACKEND = "recaptcha"
    settings.RECAPTCHA_VERSION = "v3"
    settings.RECAPTCHA_MIN_SCORE = 0.5
    field = captcha.RecaptchaField()
    with google_says({"success": True, "score": 0.9, "action": "feedback"}):
        field.verify("t")
    for answer in (
        {"success": True, "score": 0.2, "action": "feedback"},
        {"success": True, "score": 0.9, "action": "login"},
        {"success": True, "action": "feedback"},
    ):
        with google_says(answer), pytest.raises(forms.ValidationError):
            field.verify("t")


def test_google_test_keys_fail_the_deploy_check_without_debug(settings) -> None:
    from feedback.checks import check_captcha

    settings.CAPTCHA_BACKEND = "recaptcha"
    settings.RECAPTCHA_PUBLIC_KEY = "6LeIxAcTAAAAAJcZVRqyHh71UMIEGNQ_MXjiZKhI"
    settings.RECAPTCHA_PRIVATE_KEY = "6LeIxAcTAAAAAGG-vFI1TnRWxMZNFuojJ4WifJWe"
    settings.DEBUG = True
    assert check_captcha(None) == []
    settings.DEBUG = False
    assert [e.id for e in check_captcha(None)] == ["feedback.E001"]
    settings.RECAPTCHA_PUBLIC_KEY, settings.RECAPTCHA_PRIVATE_KEY = "real-public", "real-private"
    assert check_captcha(None) == []
    settings.CAPTCHA_BACKEND = "carrier-pigeon"
    assert [e.id for e in check_captcha(None)] == ["feedback.E002"]


def _solve(challenge: dict) -> str:
    solution = altcha.solve_challenge_v1(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["maxNumber"]
    )
    payload = altcha.PayloadV1(
        challenge["algorithm"],
        challenge["challenge"],
        solution.number,
        challenge["salt"],
        challenge["signature"],
    )
    return payload.to_base64()


def test_altcha_solution_is_accepted_once(settings) -> None:
    settings.ALTCHA_MAX_NUMBER = 2000
    payload = _solve(captcha.altcha_challenge())
    field = captcha.AltchaField()
    field.verify({"payload": payload})
    with pytest.raises(forms.ValidationError):
        field.verify({"payload": payload})  # replay


def test_altcha_forged_or_malformed_payloads_are_refused(settings) -> None:
    settings.ALTCHA_MAX_NUMBER = 2000
    challenge = captcha.altcha_challenge()
    forged = dict(challenge, signature="0" * 64)
    field = captcha.AltchaField()
    for payload in (_solve(forged), "not base64!", "W10=", "e30="):
        with pytest.raises(forms.ValidationError):
            field.verify({"payload": payload})


def test_altcha_without_a_proof_is_unproven_rather_than_refused(settings) -> None:
    field = captcha.AltchaField()
    assert field.verify({}) is False  # JavaScript off: the view applies the unproven limits
    assert field.verify({"payload": ""}) is False
    assert field.verify({"payload": _solve(captcha.altcha_challenge())}) is True


def test_the_page_without_javascript_asks_no_question_a_program_could_read(settings) -> None:
    """The old no-JavaScript arithmetic question was answered by a regular expression."""
    html = captcha.AltchaField().widget.render("captcha", None)
    inputs = re.findall(r"<input[^>]*>", html)
    assert inputs == ['<input type="hidden" name="altcha" value="">']
    assert not re.search(r"\?\s*</label>", html)  # nothing to answer
