"""Deployment checks for the feedback flow (`manage.py check --deploy`)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from . import captcha


@checks.register(checks.Tags.security, deploy=True)
def check_captcha(app_configs: object, **kwargs: object) -> list[checks.CheckMessage]:
    backend = getattr(settings, "CAPTCHA_BACKEND", "none")
    if backend not in {"recaptcha", "altcha", "none"}:
        return [
            checks.Error(
                f"CAPTCHA_BACKEND={backend!r} is not recaptcha, altcha or none.", id="feedback.E002"
            )
        ]
    if backend == "recaptcha" and not settings.DEBUG and captcha.uses_test_keys():
        return [
            checks.Error(
                "Google's reCAPTCHA test keys always pass: they may only be used with DEBUG.",
                hint="Set RECAPTCHA_PUBLIC_KEY and RECAPTCHA_PRIVATE_KEY, or CAPTCHA_BACKEND=altcha.",
                id="feedback.E001",
            )
        ]
    return []
