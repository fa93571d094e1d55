"""A database outage gives the 503 page, never a 500 or a traceback (SECURITY.md 25)."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper

pytestmark = pytest.mark.django_db


def _database_down(*args: object, **kwargs: object) -> None:
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


def test_page_needing_the_database_answers_503_with_retry_after(client, monkeypatch) -> None:
    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", _database_down)
    response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert "Traceback" not in body and "Connection refused" not in body
    assert "127.0.0.1" not in body


def test_other_errors_are_not_disguised_as_an_outage(client, monkeypatch) -> None:
    from agencies.models import AgencyQuerySet

    def broken(self: object) -> None:
        raise ValueError("a bug, not an outage")

    monkeypatch.setattr(AgencyQuerySet, "published", broken)
    client.raise_request_exception = True
    with pytest.raises(ValueError):
        client.get("/")
