"""Small pages: one stylesheet, system fonts, nothing from another origin, under 100 KB."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from tests.factories import AgencyFactory
from tests.site_pages import SITE_PAGES

BUDGET = 100 * 1024


def stylesheet_bytes() -> int:
    with open(finders.find("css/site.css"), "rb") as fh:
        return len(fh.read())


def test_the_stylesheet_uses_system_fonts_and_loads_nothing_else() -> None:
    with open(finders.find("css/site.css"), encoding="utf-8") as fh:
        css = fh.read()
    assert "@import" not in css
    assert "@font-face" not in css
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", css)
    assert "system-ui" in css


@pytest.mark.django_db
@pytest.mark.parametrize("name", SITE_PAGES)
def test_site_page_is_small_with_one_stylesheet_and_no_third_party(
    client: Client, name: str
) -> None:
    AgencyFactory(is_demo=True, name="Demoville Police Department")
    body = client.get(reverse(name)).content
    html = body.decode()
    assert len(body) + stylesheet_bytes() < BUDGET
    assert html.count('rel="stylesheet"') == 1
    assert "<style" not in html and " style=" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html), "no third-party resources"


@pytest.mark.django_db
def test_agency_page_and_survey_stay_under_100_kb_with_the_stylesheet(
    client: Client, trustville: object
) -> None:
    from feedback.services_demo import feedback_code_issue_demo

    code = feedback_code_issue_demo(agency=trustville)
    for lang in ("en", "es"):
        for url in (
            trustville.get_absolute_url(),
            reverse("feedback:survey", kwargs={"raw_code": code}),
        ):
            response = client.get(url, HTTP_ACCEPT_LANGUAGE=lang)
            assert response.status_code == 200
            size = len(response.content) + stylesheet_bytes()
            assert size < BUDGET, f"{url} ({lang}) weighs {size} bytes"
            assert response.content.decode().count('rel="stylesheet"') == 1
