from unittest import mock

import pytest
from django.db import DatabaseError

pytestmark = pytest.mark.django_db


def test_home_page_renders_in_english(client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert b"anonymously" in response.content
    assert b'href="#main"' in response.content  # skip link


def test_home_page_renders_in_spanish_from_the_browser_language(client) -> None:
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert 'lang="es"' in response.content.decode()
    assert "anónima" in response.content.decode()


def test_language_switch_keeps_the_person_on_the_same_page(client) -> None:
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/healthz"})
    assert response.status_code == 302
    assert response["Location"] == "/healthz"


def test_anonymous_page_sets_no_session_cookie(client) -> None:
    response = client.get("/")
    assert "sessionid" not in response.cookies


def test_healthz_is_200_when_the_database_answers(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "up"


def test_healthz_is_503_when_the_database_does_not(client) -> None:
    with mock.patch("agencies.views.connection.cursor", side_effect=DatabaseError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "down"


def test_home_links_to_the_published_demo_agency(client, trustville) -> None:
    response = client.get("/")
    assert b"Trustville Police Department" in response.content
