"""Public pages: directory, Agency Page, methodology — content, the k-rule in words, query budgets."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from agencies.cache import agency_data_changed
from agencies.pages import current_closed_month
from agencies.reads import national_memo_clear
from feedback.models import AgencyRelease, Feedback
from feedback.releases import releases_rebuild
from feedback.rollups import rollups_rebuild
from surveys.disclosure import add_months
from tests.factories import (
    AccreditationFactory,
    AgencyFactory,
    PolicyFactory,
    PublicResponseFactory,
    agency_with_responses,
    feedback_with_answers,
)

pytestmark = pytest.mark.django_db

# Queries of an uncached Agency Page: agency, the stored release (figures and comparison in one
# row), the questions of its distributions, moderation rollup (which also gives the comment
# count), comment page, policies, accreditations. A cached page needs none.
DETAIL_QUERIES = 7
# The figures sections (the stored release, its questions) are cached apart: a page re-rendered
# after moderation or a new comment reads only the other five.
FIGURES_QUERIES = 2
DIRECTORY_QUERIES = 3  # count, page of agencies, their trust rollups


def closed_month(back: int = 0):
    return add_months(current_closed_month(), -back)


def text(response) -> str:
    """The visible text of a page, whitespace collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.fixture
def national(db):
    """Three published, non-demo agencies with 12 responses each (trust 50, 75, 100)."""
    return [
        agency_with_responses(count=12, month=closed_month(2), value=v, name=f"Peer {v}")
        for v in (3, 4, 5)
    ]


def test_trustville_page_shows_every_element(client, trustville, national):
    response = client.get(reverse("agencies:detail", args=["trustville"]))
    assert response.status_code == 200
    page = text(response)
    assert trustville.welcome_by in page
    assert 'href="/f' in response.content.decode()  # Give feedback → the feedback entry
    assert "Give feedback" in page
    assert re.search(r"From \d+ people who chose to respond after contact with Trustville", page)
    for label in ("Voice", "Dignity and respect", "Neutrality", "Trustworthy motives", "Overall"):
        assert label in page
    assert "95 % interval" in page
    # A demo is compared with the other demo agencies (never itself, never the real peers), and
    # only when at least 5 others have a trust index over the same months (was: "the 5 demo
    # agencies", Trustville counted among them, while the directory lists one).
    release = AgencyRelease.objects.get(agency=trustville, closed_through=current_closed_month())
    others = release.figures["comparison"]["others"]
    if others >= 5:
        assert f"median trust index of the {others} other demo agencies" in page
    else:
        assert "Not enough agencies to compare yet" in page
        assert f"and there are {others}." in page
    assert "published agencies with enough responses" not in page
    assert "Trust index by release block" in page and "<svg" in response.content.decode()
    assert "Traffic stop" in page and "Welfare check" in page
    assert "The officer treated me with dignity and respect." in page
    assert "responded" in page  # a public response under a comment
    assert "Published" in page and "Withheld" in page
    assert "Use of Force Policy 300" in page and "CALEA (demo)" in page
    for name, args in (("table_csv", ["trustville", "scores"]), ("figures_json", ["trustville"]),
                       ("datapackage", ["trustville"])):  # fmt: skip
        assert reverse(f"agencies:{name}", args=args) in response.content.decode()


def test_trustville_page_in_spanish(client, trustville):
    response = client.get("/agencies/trustville/", HTTP_ACCEPT_LANGUAGE="es")
    page = text(response)
    assert '<html lang="es">' in response.content.decode()
    assert "Dar mi opinión" in page or "Dar su opinión" in page
    assert "personas que decidieron responder" in page
    assert "Cómo se construyen las cifras" in page


def test_new_agency_with_three_responses_shows_no_figure_and_says_why(client):
    agency = agency_with_responses(count=3, month=closed_month(1), value=5, name="Newtown PD")
    response = client.get(agency.get_absolute_url())
    page = text(response)
    assert "Not enough responses yet" in page
    assert "at least 10 people have responded" in page
    assert "/100" not in page and "95 % interval 1" not in page
    assert "trust-card" not in response.content.decode()
    assert "people who chose to respond" not in page
    assert not re.search(r"\b3 (people|answers|responses)\b", page)
    listing = text(client.get(reverse("agencies:directory")))
    assert "Newtown PD" in listing and "Not enough responses yet" in listing


def test_responses_in_months_not_closed_yet_are_in_no_figure(client):
    agency = agency_with_responses(count=30, month=add_months(closed_month(), 1), value=5)
    page = text(client.get(agency.get_absolute_url()))
    assert "Not enough responses yet" in page and "/100" not in page


def test_a_lone_small_category_is_suppressed_with_its_neighbour(client):
    agency = agency_with_responses(count=20, month=closed_month(1), value=4)
    for _ in range(3):
        feedback_with_answers(agency=agency, interaction_month=closed_month(1), category="other")
    rollups_rebuild(agency=agency)
    releases_rebuild(agency=agency)
    page = text(client.get(agency.get_absolute_url()))
    assert "23 people" in page  # the block is shown ...
    # ... but neither category: traffic stops (20) are hidden with the 3 others, and say so.
    assert "Traffic stop Not enough responses in any single block yet" in page
    assert "Other contact Not enough responses yet" in page


def test_unpublished_agency_is_not_found(client):
    agency = AgencyFactory(published=False)
    assert client.get(agency.get_absolute_url()).status_code == 404
    assert agency.name not in text(client.get(reverse("agencies:directory")))


def test_comments_newest_first_and_paginated_with_responses(client):
    agency = AgencyFactory()
    for day in range(1, 13):
        fb = feedback_with_answers(
            agency=agency,
            moderation_state=Feedback.Moderation.PUBLISHED,
            published_text=f"Comment number {day}",
            published_on=closed_month().replace(day=day),
        )
        if day == 12:
            PublicResponseFactory(feedback=fb, body="We changed the shift plan.")
    rollups_rebuild(agency=agency)  # the comments were created directly, not moderated
    first = text(client.get(agency.get_absolute_url()))
    assert first.index("Comment number 12") < first.index("Comment number 11")
    assert "We changed the shift plan." in first
    assert "Comment number 2 " not in first and "Page 1 of 2" in first
    second = text(client.get(agency.get_absolute_url() + "?page=2"))
    assert "Comment number 2 " in second and "Comment number 12" not in second


def test_comments_are_escaped(client):
    agency = AgencyFactory()
    feedback_with_answers(
        agency=agency,
        moderation_state=Feedback.Moderation.PUBLISHED,
        published_text="<script>alert(1)</script>",
        published_on=closed_month(),
    )
    rollups_rebuild(agency=agency)
    releases_rebuild(agency=agency)
    body = client.get(agency.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_policies_and_accreditation_are_listed(client):
    agency = AgencyFactory()
    PolicyFactory(agency=agency, title="Duty to Intervene 12", kind="duty_to_intervene")
    AccreditationFactory(agency=agency, body="State Accreditation Board")
    page = text(client.get(agency.get_absolute_url()))
    assert "Duty to Intervene 12" in page and "State Accreditation Board" in page


def test_directory_search_by_name_city_and_state(client):
    AgencyFactory(name="Riverside Police", city="Riverside", state="CA")
    AgencyFactory(name="Lakeside Sheriff", city="Bend", state="OR")
    url = reverse("agencies:directory")
    assert "Lakeside Sheriff" in text(client.get(url, {"q": "bend"}))
    assert "Riverside Police" not in text(client.get(url, {"q": "bend"}))
    assert "Riverside Police" in text(client.get(url, {"q": "river"}))
    assert "Lakeside Sheriff" in text(client.get(url, {"q": "or"}))
    assert "No published agency matches" in text(client.get(url, {"q": "zzz"}))


def test_directory_paginates(client):
    for i in range(25):
        AgencyFactory(name=f"Agency {i:02d}")
    first = text(client.get(reverse("agencies:directory")))
    assert "Agency 00" in first and "Agency 24" not in first and "Page 1 of 2" in first
    second = text(client.get(reverse("agencies:directory"), {"page": "2"}))
    assert "Agency 24" in second
    assert client.get(reverse("agencies:directory"), {"page": "x"}).status_code == 200


def test_directory_shows_trust_index_and_n(client, national):
    page = text(client.get(reverse("agencies:directory")))
    assert re.search(r"Peer 5 .*? 100 /100 12", page)


def test_methodology_explains_the_k_rule(client):
    page = text(client.get(reverse("agencies:methodology")))
    assert "at least 10 responses" in page and "release blocks" in page


def _grow(agency, count):
    for _ in range(count):
        feedback_with_answers(agency=agency, interaction_month=closed_month(1))
    rollups_rebuild(agency=agency)
    releases_rebuild(agency=agency)


def test_agency_page_query_count_does_not_grow_with_feedback(
    client, django_assert_num_queries, national
):
    agency = AgencyFactory()
    PolicyFactory(agency=agency)
    feedback_with_answers(
        agency=agency,
        moderation_state=Feedback.Moderation.PUBLISHED,
        published_text="Thanks.",
        published_on=closed_month(),
    )
    for size in (12, 60):
        _grow(agency, size)
        cache.clear()
        national_memo_clear()
        with django_assert_num_queries(DETAIL_QUERIES):
            assert client.get(agency.get_absolute_url()).status_code == 200


def test_directory_and_methodology_query_counts_are_fixed(client, django_assert_num_queries):
    for size in (1, 15):
        for _ in range(size):
            agency_with_responses(count=2, month=closed_month(1), rebuild=False)
        for agency in AgencyFactory._meta.model.objects.all():
            rollups_rebuild(agency=agency)
            releases_rebuild(agency=agency)
        with django_assert_num_queries(DIRECTORY_QUERIES):
            client.get(reverse("agencies:directory"))
    with django_assert_num_queries(0):
        client.get(reverse("agencies:methodology"))


def test_rendered_page_is_cached_until_the_agency_data_changes(
    client, django_assert_num_queries, trustville
):
    url = trustville.get_absolute_url()
    client.get(url)
    with django_assert_num_queries(1):  # the demo agency itself; its body comes from the cache
        cached = client.get(url)
    assert '<section id="scores"' in cached.content.decode()  # HTML, not escaped text
    assert "Trustville" in text(cached)
    agency_data_changed(trustville.pk)
    with django_assert_num_queries(DETAIL_QUERIES - FIGURES_QUERIES):  # figures stay cached
        again = client.get(url)
    assert text(again) == text(cached)


def test_figures_are_cached_apart_until_the_rollups_are_rebuilt(
    client, django_capture_on_commit_callbacks, national
):
    from feedback.rollups import rollups_rebuild

    agency = national[0]
    client.get(agency.get_absolute_url())
    agency_data_changed(agency.pk)  # e.g. a comment was published: the page is rendered again…
    moderated = client.get(agency.get_absolute_url())
    names = [t.name for t in moderated.templates]
    assert "agencies/detail_body.html" in names
    assert "agencies/detail_figures.html" not in names  # …around the figures already rendered
    with django_capture_on_commit_callbacks(execute=True):
        rollups_rebuild(agency=agency)  # closed months may have changed
    agency_data_changed(agency.pk)
    rebuilt = client.get(agency.get_absolute_url())
    assert "agencies/detail_figures.html" in [t.name for t in rebuilt.templates]
    assert text(rebuilt) == text(moderated)  # the same rollups give the same page


def test_cached_page_is_served_without_a_query_or_template(
    client, django_assert_num_queries, national
):
    agency = national[0]
    first = client.get(agency.get_absolute_url())
    with django_assert_num_queries(0):
        cached = client.get(agency.get_absolute_url())
    assert cached.content == first.content
    assert cached.templates == []  # nothing was rendered: the stored response was sent as is
    assert "Trust index" in text(cached)
    agency_data_changed(agency.pk)
    stale = client.get(agency.get_absolute_url())
    assert "agencies/detail_body.html" in [t.name for t in stale.templates]  # rendered again


def test_cached_page_carries_nothing_from_the_request_that_rendered_it(client, national):
    agency = national[0]
    url = agency.get_absolute_url()
    client.get(url + "?trend=24&utm_source=mail&page=1")  # renders and stores the page
    cached = client.get(url + "?trend=24")
    html = cached.content.decode()
    assert "csrfmiddlewaretoken" not in html and "csrftoken" not in cached.cookies
    assert "nonce=" not in html and "'nonce-" not in cached["Content-Security-Policy"]
    assert "utm_source" not in html  # the language switch returns to the canonical address
    assert f"/language/es/?next={url}%3Ftrend%3D24" in html
    # Headers are still made per request by the middleware.
    assert cached["X-Frame-Options"] == "DENY"
    assert cached["Content-Language"] == "en"
    assert {"Accept-Language", "Cookie"} <= {v.strip() for v in cached["Vary"].split(",")}


def test_each_language_has_its_own_cached_page(client, national):
    url = national[0].get_absolute_url()
    client.get(url)
    client.get(url, HTTP_ACCEPT_LANGUAGE="es")
    client.cookies["django_language"] = "es"
    spanish = client.get(url)
    assert spanish["Content-Language"] == "es" and "Índice de confianza" in text(spanish)
    client.cookies["django_language"] = "en"
    assert "Trust index" in text(client.get(url))


def test_a_renamed_agency_is_not_served_from_its_old_address(client, national):
    agency = national[0]
    old_url = agency.get_absolute_url()
    assert client.get(old_url).status_code == 200  # now cached under the old slug
    old_slug = agency.slug
    agency.slug = "renamed"
    agency.save()
    agency_data_changed(agency.pk, slugs=[old_slug])
    assert client.get(old_url).status_code == 404
    assert client.get(agency.get_absolute_url()).status_code == 200


def test_demo_page_from_the_cache_still_gets_a_fresh_csrf_token(trustville):
    from django.test import Client

    url = trustville.get_absolute_url()
    Client().get(url)  # caches the body
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    assert token and "csrftoken" in page.cookies
    tried = visitor.post(reverse("site:demo_try"), {"csrfmiddlewaretoken": token[1]})
    assert tried.status_code == 302 and "/f/" in tried["Location"]


def test_public_pages_set_no_session_cookie(client, trustville):
    for url in ("/agencies/", "/agencies/trustville/", "/methodology/"):
        response = client.get(url)
        assert "sessionid" not in response.cookies


BROKEN_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


def test_pages_render_when_the_cache_is_down(client, trustville, settings):
    settings.CACHES = BROKEN_CACHE
    with pytest.raises(Exception):  # noqa: B017 - the cache really is unreachable
        cache.get("anything")
    for url in ("/agencies/", "/agencies/trustville/", "/methodology/"):
        response = client.get(url)
        assert response.status_code == 200
    assert "Trust index" in text(client.get("/agencies/trustville/"))


def test_trend_switches_between_12_and_24_months(client):
    agency = agency_with_responses(count=10, month=closed_month(18), value=2)
    for _ in range(10):
        feedback_with_answers(agency=agency, interaction_month=closed_month(2))
    rollups_rebuild(agency=agency)
    releases_rebuild(agency=agency)
    twelve = client.get(agency.get_absolute_url()).content.decode()
    twenty_four = client.get(agency.get_absolute_url() + "?trend=24").content.decode()
    old = f"{closed_month(18):%b %Y}"
    assert old not in twelve and old in twenty_four
    assert 'href="?trend=24#trend" aria-current="true"' in twenty_four
    assert client.get(agency.get_absolute_url() + "?trend=999").status_code == 200


def test_a_new_k_never_serves_pages_or_figures_built_on_the_old_one(client, national, settings):
    agency = national[0]
    client.get(agency.get_absolute_url())
    assert "Trust index" in text(client.get(agency.get_absolute_url()))
    settings.MIN_PUBLIC_RESPONSES = 10_000  # e.g. a deploy that raises k: nothing is shown now
    raised = client.get(agency.get_absolute_url())
    assert "agencies/detail_figures.html" in [t.name for t in raised.templates]
    assert "Not enough responses yet" in text(raised)
