"""Captcha for the feedback form: Google reCAPTCHA (v2/v3), a self-hosted ALTCHA proof of work, or none.

`CAPTCHA_BACKEND` chooses. Whatever the backend, the client address is never sent anywhere and a
provider failure becomes a form error with a friendly message, never a 500.

ALTCHA: the `altcha` PyPI package only creates and verifies challenges; it ships no browser widget.
We serve our own small solver (`static/js/altcha-solver.js`). Proof of work needs JavaScript; a
text question a person can read without it, a program can read too, so there is none. A form sent
without a proof is accepted, but it is *unproven*: the form asks it to have been open longer and the
view counts it against much tighter rate limits (docs/privacy.md, "Without JavaScript").
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import json
import logging
from urllib.error import URLError
from urllib.parse import urlencode

import altcha
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.forms.renderers import TemplatesSetting
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_recaptcha import client as recaptcha_client
from django_recaptcha.constants import TEST_PRIVATE_KEY, TEST_PUBLIC_KEY

logger = logging.getLogger(__name__)

CAPTCHA_ERROR = _(
    "We could not check that you are a person just now. Your answers are kept below: "
    "please try again in a moment."
)
CAPTCHA_INVALID = _("Please complete the check that you are a person, then send again.")

RECAPTCHA_SCRIPT_SOURCES = [
    "https://www.google.com/recaptcha/",
    "https://www.gstatic.com/recaptcha/",
]
RECAPTCHA_FRAME_SOURCES = [
    "https://www.google.com/recaptcha/",
    "https://recaptcha.google.com/recaptcha/",
]


def backend() -> str:
    value = getattr(settings, "CAPTCHA_BACKEND", "none") or "none"
    if value not in {"recaptcha", "altcha", "none"}:
        raise ImproperlyConfigured(
            f"CAPTCHA_BACKEND must be recaptcha, altcha or none, not {value!r}"
        )
    return value


def recaptcha_keys() -> tuple[str, str]:
    """Return (public, private). settings.py falls back to Google's test keys only with DEBUG;
    `feedback.checks` refuses them in `check --deploy`."""
    public = getattr(settings, "RECAPTCHA_PUBLIC_KEY", "") or TEST_PUBLIC_KEY
    private = getattr(settings, "RECAPTCHA_PRIVATE_KEY", "") or TEST_PRIVATE_KEY
    return public, private


def uses_test_keys() -> bool:
    public, private = recaptcha_keys()
    return public == TEST_PUBLIC_KEY or private == TEST_PRIVATE_KEY


def csp_additions() -> dict[str, list[str]] | None:
    """CSP sources the survey page needs for the chosen backend (merged into the site policy)."""
    if backend() != "recaptcha":
        return None
    return {"script-src": RECAPTCHA_SCRIPT_SOURCES, "frame-src": RECAPTCHA_FRAME_SOURCES}


# --- reCAPTCHA -------------------------------------------------------------------------------


class _ProjectTemplateWidget(forms.Widget):
    """Render with the project's template engine (templates/feedback/captcha/)."""

    def render(self, name, value, attrs=None, renderer=None) -> str:  # noqa: ANN001
        return super().render(name, value, attrs, renderer=TemplatesSetting())


class RecaptchaWidget(_ProjectTemplateWidget):
    """Render only the reCAPTCHA container; the page adds Google's script with the CSP nonce."""

    template_name = "feedback/captcha/recaptcha.html"

    def __init__(self, *, public_key: str, version: str, attrs: dict | None = None) -> None:
        super().__init__(attrs)
        self.public_key = public_key
        self.version = version

    def value_from_datadict(self, data, files, name):
        return data.get("g-recaptcha-response")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"].update(
            public_key=self.public_key, version=self.version, language=get_language() or "en"
        )
        return context


def recaptcha_verify(token: str) -> dict:
    """Ask Google to verify a token, sending only secret and token (no remoteip, ever)."""
    _public, private = recaptcha_keys()
    params = urlencode({"secret": private, "response": token}).encode()
    response = recaptcha_client.recaptcha_request(params)
    try:
        data = json.loads(response.read().decode("utf-8"))
    finally:
        response.close()
    if not isinstance(data, dict) or not isinstance(data.get("success"), bool):
        raise ValueError("unexpected reCAPTCHA answer")
    return data


class RecaptchaField(forms.CharField):
    default_error_messages = {"required": CAPTCHA_INVALID}

    def __init__(self, **kwargs) -> None:
        public, _private = recaptcha_keys()
        self.version = getattr(settings, "RECAPTCHA_VERSION", "v2")
        self.min_score = float(getattr(settings, "RECAPTCHA_MIN_SCORE", 0.5))
        kwargs.setdefault("widget", RecaptchaWidget(public_key=public, version=self.version))
        super().__init__(required=False, max_length=4000, **kwargs)

    def verify(self, value: str) -> bool:
        """Return True if Google accepts the token, else raise ValidationError."""
        if not value:
            raise ValidationError(CAPTCHA_INVALID, code="captcha_invalid")
        try:
            data = recaptcha_verify(value)
        except (TimeoutError, URLError, OSError, ValueError, UnicodeDecodeError) as exc:
            # URLError covers HTTP errors and DNS failures; OSError timeouts; ValueError bad JSON.
            logger.warning("reCAPTCHA verification unavailable: %s", type(exc).__name__)
            raise ValidationError(CAPTCHA_ERROR, code="captcha_error") from None
        if not data["success"]:
            raise ValidationError(CAPTCHA_INVALID, code="captcha_invalid")
        if self.version == "v3":
            try:
                score = float(data.get("score", 0))
            except (TypeError, ValueError):
                score = 0.0
            if data.get("action") != "feedback" or score < self.min_score:
                raise ValidationError(CAPTCHA_INVALID, code="captcha_invalid")
        return True


# --- ALTCHA (self-hosted proof of work) ---------------------------------------------------------

ALTCHA_TTL = datetime.timedelta(minutes=60)


def _altcha_key() -> str:
    return salted_hmac("feedback.captcha.altcha", "hmac-key").hexdigest()


def altcha_challenge() -> dict:
    """Create a signed proof-of-work challenge for the browser to solve."""
    challenge = altcha.create_challenge_v1(
        altcha.ChallengeOptionsV1(
            hmac_key=_altcha_key(),
            max_number=int(getattr(settings, "ALTCHA_MAX_NUMBER", 50_000)),
            expires=datetime.datetime.now(datetime.UTC) + ALTCHA_TTL,
        )
    )
    return challenge.to_dict()


def altcha_verify(payload: str) -> bool:
    """Check a solved challenge once: a replayed solution is refused (its salt is remembered)."""
    try:
        data = json.loads(base64.b64decode(payload, validate=True).decode())
        if not isinstance(data, dict) or data.get("algorithm") != "SHA-256":
            return False
        if not isinstance(data.get("number"), int) or not isinstance(data.get("salt"), str):
            return False
        ok, _error = altcha.verify_solution_v1(data, _altcha_key(), check_expires=True)
    except (ValueError, TypeError, KeyError, AttributeError):
        return False
    if not ok:
        return False
    seen_key = "feedback:altcha-used:" + hashlib.sha256(data["salt"].encode()).hexdigest()
    return cache.add(seen_key, 1, int(ALTCHA_TTL.total_seconds()) + 60)


class AltchaWidget(_ProjectTemplateWidget):
    template_name = "feedback/captcha/altcha.html"

    def value_from_datadict(self, data, files, name):
        return {"payload": data.get("altcha", "")}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"].update(challenge=json.dumps(altcha_challenge()))
        return context


class AltchaField(forms.Field):
    widget = AltchaWidget
    default_error_messages = {"required": CAPTCHA_INVALID}

    def __init__(self, **kwargs) -> None:
        super().__init__(required=False, **kwargs)

    def to_python(self, value: object) -> dict:
        if not isinstance(value, dict):
            return {}
        return {k: str(v)[:4000] for k, v in value.items() if isinstance(v, str)}

    def verify(self, value: dict) -> bool:
        """Return True for a valid proof of work, False when none was sent (no JavaScript);
        raise ValidationError for a wrong, forged or replayed one."""
        payload = value.get("payload", "")
        if not payload:
            return False
        if altcha_verify(payload):
            return True
        raise ValidationError(CAPTCHA_INVALID, code="captcha_invalid")


def captcha_field() -> forms.Field | None:
    """Return the form field for the configured backend, or None when captcha is off."""
    name = backend()
    if name == "recaptcha":
        return RecaptchaField(label=_("Check that you are a person"))
    if name == "altcha":
        return AltchaField(label=_("Check that you are a person"))
    return None
