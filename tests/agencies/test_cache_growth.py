"""Anonymous requests cannot grow the shared cache without bound (SECURITY.md 28).

Every key an anonymous request creates has a TTL; unknown agency slugs and out-of-range comment
pages are 404s that store nothing. Runs on the real Redis when CACHE_URL points at one.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from agencies.pages import current_closed_month
from feedback.models import Feedback
from feedback.rollups import rollups_rebuild
from tests.factories import AgencyFactory, feedback_with_answers

pytestmark = pytest.mark.django_db


def cache_keys() -> dict[str, float | None]:
    """Every key of this test run's cache and its expiry (None: never expires)."""
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        client = cache._cache.get_client(write=True)
        prefix = settings.CACHES["default"]["KEY_PREFIX"]
        keys = {}
        for raw in client.scan_iter(match=f"{prefix}:*"):
            ttl = client.ttl(raw)
            keys[raw.decode()] = None if ttl == -1 else float(ttl)
        return keys
    return dict(cache._expire_info)  # LocMemCache: key -> expiry time, None for never


@pytest.fixture
def agency():
    agency = AgencyFactory(slug="eastport")
    for i in range(12):
        feedback_with_answers(
            agency=agency,
            interaction_month=current_closed_month(),
            comment=f"comment {i}",
            moderation_state=Feedback.Moderation.PUBLISHED,
            published_text=f"Published comment {i}.",
        )
    rollups_rebuild(agency=agency)
    return agency


def test_unknown_slugs_are_404s_that_store_nothing():
    client = Client()
    for n in range(30):
        response = client.get(f"/agencies/no-such-agency-{n}/")
        assert response.status_code == 404
    assert not [k for k in cache_keys() if "no-such-agency" in k]


def test_out_of_range_comment_pages_are_404s_that_store_nothing(agency):
    client = Client()
    detail = reverse("agencies:detail", args=[agency.slug])
    assert client.get(detail).status_code == 200
    assert client.get(detail + "?page=2").status_code == 200  # 12 comments, 10 a page
    before = set(cache_keys())
    for number in (3, 4, 50, 9_999, 10_000, 99_999_999_999):
        assert client.get(f"{detail}?page={number}").status_code == 404
    assert set(cache_keys()) == before


def test_no_anonymous_request_creates_a_key_without_a_ttl(agency):
    client = Client()
    detail = reverse("agencies:detail", args=[agency.slug])
    for path in (
        "/",
        "/agencies/",
        "/agencies/?q=east&page=3",
        detail,
        detail + "?page=2&trend=24",
        detail + "?page=abc",
        "/agencies/nobody-here/",
        reverse("agencies:table_csv", args=[agency.slug, "scores"]),
        reverse("agencies:figures_json", args=[agency.slug]),
        "/methodology/",
    ):
        response = client.get(path)
        assert response.status_code < 500, path
    client.post(reverse("feedback:entry"), {"code": "AAAA-BBBB-CCCC-D"})
    client.get("/f/AAAA-BBBB-CCCC-D")
    keys = cache_keys()
    assert keys, "the requests above cache pages and counters"
    assert [k for k, expiry in keys.items() if expiry is None] == []
