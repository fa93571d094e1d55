"""Fixtures for the anonymous feedback flow tests."""

from __future__ import annotations

import time

import pytest
from django.core import signing

from feedback.codes import code_digest, normalize_code
from feedback.forms import FORM_TOKEN_SALT

CODE = "7KQ2-M9XD-4HPB-R"
CANARY_IP = "203.0.113.199"
CANARY_UA = "CanaryBrowser/9.9 (canary-7f3e)"


@pytest.fixture(autouse=True)
def _no_captcha_by_default(settings) -> None:
    """View tests run without a captcha unless they choose one (Google is never called)."""
    settings.CAPTCHA_BACKEND = "none"
    settings.FEEDBACK_MIN_SECONDS = 3


def cache_dump() -> str:
    """Every key and value in the default cache, as text (local memory or Redis)."""
    from django.core.cache import cache

    backend = cache._cache  # noqa: SLF001
    if isinstance(backend, dict):  # local memory: keys and pickled values
        return "\n".join(f"{k!r} {v!r}" for k, v in backend.items())
    client = backend.get_client(write=False)
    parts = []
    for key in client.scan_iter("*"):
        parts.append(repr(key))
        if client.type(key) == b"string":
            parts.append(repr(client.get(key)))
    return "\n".join(parts)


def old_token(code: str = CODE, seconds_ago: int = 60) -> str:
    """A form token as if the survey had been shown `seconds_ago` seconds ago."""
    digest = code_digest(normalize_code(code))
    return signing.dumps(
        {"d": digest[:32], "t": int(time.time()) - seconds_ago}, salt=FORM_TOKEN_SALT
    )


def survey_post(code: str = CODE, **overrides: str) -> dict[str, str]:
    """A complete, valid survey submission (every item answered 4, the last "doesn't apply")."""
    from surveys.models import Survey

    data: dict[str, str] = {"form_token": old_token(code), "publish": "private", "comment": ""}
    questions = list(Survey.objects.current().questions.order_by("order"))
    for question in questions:
        data[f"q_{question.code}"] = "4"
    data[f"q_{questions[-1].code}"] = "na"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def agency(db):
    from tests.factories import AgencyFactory

    return AgencyFactory(name="Riverside Police Department", slug="riverside")


@pytest.fixture
def call(agency):
    import datetime as dt

    from tests.factories import DistrictFactory, OfficerFactory, ServiceCallFactory

    service_call = ServiceCallFactory(
        agency=agency,
        category="traffic_stop",
        occurred_on=dt.date(2026, 10, 5),
        district=DistrictFactory(agency=agency, name="North"),
    )
    service_call.officers.add(OfficerFactory(agency=agency))
    return service_call


@pytest.fixture
def code(agency, call):
    """A fresh code for a real service call; its plaintext is CODE."""
    from tests.factories import FeedbackCodeFactory

    return FeedbackCodeFactory(code=CODE, agency=agency, service_call=call)
