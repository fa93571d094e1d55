"""What an agency writes (welcome, policies, public replies) in the visitor's language, or the
English original visibly marked and tagged lang="en"."""

import re

import pytest
from django.test import Client

from agencies.localized import localized
from feedback.models import Feedback
from feedback.rollups import rollups_rebuild
from tests.factories import AgencyFactory, PolicyFactory, PublicResponseFactory

from .test_pages import closed_month, feedback_with_answers

MARK_ES = "(en inglés: la agencia todavía no lo ha escrito en español)"


def test_spanish_is_chosen_on_spanish_pages_and_a_missing_one_is_flagged() -> None:
    assert localized("Hello", "Hola", language="es").text == "Hola"
    english = localized("Hello", "", language="es")
    assert (english.text, english.language, english.is_fallback) == ("Hello", "en", True)
    assert localized("Hello", "Hola", language="en").text == "Hello"
    assert not localized("Hello", "", language="en").is_fallback
    assert not localized("", "", language="es").is_fallback  # nothing to mark
    assert localized("Hello", "   ", language="es").is_fallback  # blank is missing


def _page(agency, language: str) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    return client.get(agency.get_absolute_url()).content.decode()


def _agency(*, spanish: bool):
    agency = AgencyFactory(
        welcome_message="We want to hear from you.",
        welcome_message_es="Queremos saber de usted." if spanish else "",
        welcome_by="Chief Ada Park",
    )
    PolicyFactory(
        agency=agency,
        title="Use of force 300",
        title_es="Uso de la fuerza 300" if spanish else "",
        summary="Force only when necessary.",
        summary_es="La fuerza, solo cuando sea necesaria." if spanish else "",
    )
    fb = feedback_with_answers(
        agency=agency,
        moderation_state=Feedback.Moderation.PUBLISHED,
        published_text="The officer listened.",
        published_on=closed_month(),
    )
    PublicResponseFactory(
        feedback=fb,
        body="Thank you, we told the officer.",
        body_es="Gracias, se lo dijimos al agente." if spanish else "",
    )
    rollups_rebuild(agency=agency)
    return agency


@pytest.mark.django_db
def test_agency_content_is_spanish_on_spanish_pages(client) -> None:
    agency = _agency(spanish=True)
    page = _page(agency, "es")
    for spanish in (
        "Queremos saber de usted.",
        "Uso de la fuerza 300",
        "La fuerza, solo cuando sea necesaria.",
        "Gracias, se lo dijimos al agente.",
    ):
        assert re.search(rf'lang="es"[^>]*>(<p>|<a [^>]*>)?{re.escape(spanish)}', page), spanish
    assert "We want to hear from you." not in page and MARK_ES not in page
    english = _page(agency, "en")
    assert "We want to hear from you." in english and "Queremos" not in english


@pytest.mark.django_db
def test_missing_spanish_shows_the_english_marked_and_tagged(client) -> None:
    agency = _agency(spanish=False)
    page = _page(agency, "es")
    for english in (
        "We want to hear from you.",
        "Use of force 300",
        "Force only when necessary.",
        "Thank you, we told the officer.",
    ):
        assert re.search(rf'lang="en"[^>]*>(<p>|<a [^>]*>)?{re.escape(english)}', page), english
    assert page.count(MARK_ES) == 3  # welcome, the policy card, the reply
    assert "(in English" not in _page(agency, "en")
