"""Fixtures of the attack tests: small generated agencies (deterministic) and the weakened site."""

from __future__ import annotations

import datetime as dt

import pytest

from feedback.rollups import rollups_rebuild
from surveys.models import Question
from tests.factories import AgencyFactory, feedback_with_answers

K = 10


def answers_for(seed: int, codes: list[str]) -> dict[str, int | None]:
    """A deterministic, varied answer vector (no two seeds below 1000 give the same one)."""
    values = {}
    x = seed * 7919 + 17
    for code in codes:
        x = (x * 1103515245 + 12345) % 2**31
        values[code] = 1 + (x >> 16) % 5
    return values


def generated_agency(plan: list[tuple[dt.date, str, str, int]], *, start: int = 0,
                     skip: dict[int, list[str]] | None = None, **agency: object):  # fmt: skip
    """An agency whose responses follow `plan`: (month, category, language, count) rows."""
    item = AgencyFactory(**agency)
    codes = list(Question.objects.filter(survey__is_current=True).values_list("code", flat=True))
    seed = start
    for month, category, language, count in plan:
        for _ in range(count):
            values = answers_for(seed, codes)
            for code in (skip or {}).get(seed, []):
                values[code] = None
            feedback_with_answers(agency=item, interaction_month=month, category=category,
                                  language=language, values=values)  # fmt: skip
            seed += 1
    rollups_rebuild(agency=item)
    return item


@pytest.fixture
def weakened_site(settings):
    """The real site plus the old per-response rows and aggregates at their old addresses."""
    settings.ROOT_URLCONF = "tests.privacy.weakened_urls"
    return settings
