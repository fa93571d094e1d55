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


# Backends that print mail to stdout (the logs), write it to disk or keep it in memory: in
# production they would put subscriber addresses and sign-in links where log readers see them.
LOCAL_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}


def email_backend_errors(*, debug: bool, backend: str) -> list[checks.CheckMessage]:
    """The check below as a function of its inputs (gunicorn.conf.py calls it before serving)."""
    if debug or backend not in LOCAL_EMAIL_BACKENDS:
        return []
    return [
        checks.Error(
            f"EMAIL_BACKEND is {backend.rsplit('.', 2)[-2]} with DEBUG off: invitation, "
            "confirmation and reset links (and subscriber addresses) would go to the logs or "
            "be lost.",
            hint="Set EMAIL_URL to a real mail server, e.g. smtp+tls://user:pass@smtp.example.org:587.",
            id="feedback.E003",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def check_email_backend(app_configs: object, **kwargs: object) -> list[checks.CheckMessage]:
    return email_backend_errors(debug=settings.DEBUG, backend=settings.EMAIL_BACKEND)
