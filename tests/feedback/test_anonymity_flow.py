"""A canary address and user agent sent through the whole flow appear nowhere afterwards
(SECURITY.md 22): not in the database, the application log, or the cache (keys or values)."""

from __future__ import annotations

import io
import logging

import pytest
from django.core.management import call_command
from django.test import Client

from feedback.codes import normalize_code
from feedback.models import Feedback

from .conftest import CANARY_IP, CANARY_UA, CODE, cache_dump, survey_post

pytestmark = pytest.mark.django_db
CANARIES = [CANARY_IP, CANARY_UA, "canary-7f3e", CODE, normalize_code(CODE)]


@pytest.fixture
def app_log():
    """Capture what the configured handlers (with their filters) actually write."""
    stream = io.StringIO()
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler)]
    handlers += [
        h
        for h in logging.getLogger("django.server").handlers
        if isinstance(h, logging.StreamHandler) and h not in handlers
    ]
    assert handlers, "LOGGING configures no stream handler"
    previous = [h.setStream(stream) for h in handlers]
    levels = logging.getLogger().level
    logging.getLogger().setLevel(logging.DEBUG)
    yield stream
    logging.getLogger().setLevel(levels)
    for handler, old in zip(handlers, previous, strict=True):
        handler.setStream(old)


def test_canary_address_and_agent_leave_no_trace(code, app_log, settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    client = Client(REMOTE_ADDR=CANARY_IP, HTTP_USER_AGENT=CANARY_UA)
    assert client.post("/feedback/", {"code": CODE.lower()}).status_code == 303
    assert client.get(f"/f/{CODE}").status_code == 200
    logging.getLogger("django.request").warning(
        "Not Found: %s", f"/f/{CODE}"
    )  # as Django logs 404s
    response = client.post(f"/f/{CODE}", survey_post(comment="all good"), follow=True)
    assert response.status_code == 200 and Feedback.objects.count() == 1
    assert client.get(f"/f/{CODE}").status_code == 410  # refusals are logged by Django too

    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    logs = app_log.getvalue()
    cached = cache_dump()
    assert "/f/[code]" in logs  # the log did record the requests, with the code masked
    assert cached  # the rate limiter did write to the cache
    for canary in CANARIES:
        assert canary not in dump.getvalue(), canary
        assert canary not in logs, canary
        assert canary not in cached, canary


def test_feedback_rows_hold_only_coarse_fields(code) -> None:
    Client().post(f"/f/{CODE}", survey_post())
    row = Feedback.objects.values().get()
    assert row["submitted_on"].__class__.__name__ == "date"
    assert not {"ip", "user_agent", "code", "service_call_id", "created_at"} & set(row)


def test_server_errors_send_no_mail_and_log_no_request_details(rf, app_log, settings, mailoutbox):
    settings.ADMINS = [("Ops", "ops@example.org")]
    request = rf.post(f"/f/{CODE}", REMOTE_ADDR=CANARY_IP, HTTP_USER_AGENT=CANARY_UA)
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("django.request").exception(
            "Internal Server Error: %s",
            request.path,
            extra={"status_code": 500, "request": request},
        )
    logs = app_log.getvalue()
    assert "Internal Server Error: /f/[code]" in logs
    assert mailoutbox == []  # Django's default mail_admins handler is replaced in LOGGING
    for canary in CANARIES:
        assert canary not in logs, canary
