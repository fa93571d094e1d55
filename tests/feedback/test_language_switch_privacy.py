"""The survey's address holds the feedback code, and its form holds someone's answers: the
language switch must keep every answer, and put neither the code nor an answer anywhere else."""

import re

import pytest
from django.core.cache import caches

from feedback.models import Feedback

from .conftest import CODE, cache_dump, survey_post

pytestmark = pytest.mark.django_db
SURVEY_URL = f"/f/{CODE}"
CANARY = "canary-comment-5d1e My story, in my words"


def test_survey_language_switch_submits_the_survey_form_and_never_links_it(client, code) -> None:
    body = client.get(SURVEY_URL).content.decode()
    assert re.search(
        r'<button type="submit" form="survey-form" formnovalidate name="language" value="es"', body
    )
    assert '<form method="post" action="/f/' in body and 'id="survey-form"' in body
    assert "/language/" not in body  # the GET link (query string: logs, Referer) is not used
    assert "setlang" not in body  # Django's set_language would drop the answers


def _switch(client, **answers: str):
    data = survey_post(
        comment=CANARY, kudos="Thanks, officers", publish="publish", age_band="25_44", **answers
    )
    del data["q_voice_listened"]  # not answered yet: switching is not sending
    data["language"] = "es"
    return client.post(SURVEY_URL, data)


def test_switching_language_keeps_every_answer_and_the_comment(client, code) -> None:
    caches["template_fragments"].clear()
    response = _switch(client)
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="es">' in page and "Totalmente de acuerdo" in page
    assert "El agente escuchó lo que yo tenía que decir." in page  # the questions too
    assert "The officer listened to what I had to say." not in page
    assert "There is a problem" not in page and "Hay un problema" not in page  # nothing judged
    assert f"{CANARY}</textarea>" in page
    assert "Thanks, officers</textarea>" in page  # the thank-you to the officers too
    assert 'value="25_44" id="id_age_band_1" checked' in page
    assert 'value="publish" id="id_publish_1" checked' in page
    given = {k: v for k, v in survey_post().items() if k.startswith("q_")}
    del given["q_voice_listened"]
    assert len(given) >= 9
    for name, value in given.items():  # every answer given is still chosen, and only that one
        chosen = re.findall(rf'name="{name}" value="(\w+)" id="id_{name}_\d" checked', page)
        assert chosen == [value], name
    assert not re.search(r'id="id_q_voice_listened_\d" checked', page)
    assert response.cookies["django_language"].value == "es"
    assert Feedback.objects.count() == 0  # switching never sends


def test_the_switched_page_is_never_stored_and_the_code_is_in_no_query_string(client, code) -> None:
    response = _switch(client)
    assert "no-store" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "strict-origin"
    page = response.content.decode()
    for url in re.findall(r'(?:href|action|src)="([^"]*)"', page):
        assert "?" not in url or CODE not in url.split("?", 1)[1]
    assert CANARY not in cache_dump()  # answers reach no cache, shared or per worker
    fragments = caches["template_fragments"]
    stored = getattr(fragments, "_cache", {})
    assert all(CANARY not in repr(value) for value in stored.values())


def test_after_switching_the_survey_is_sent_in_the_new_language(client, code) -> None:
    _switch(client)
    data = survey_post(comment=CANARY)
    response = client.post(SURVEY_URL, data)
    assert response.status_code == 303
    assert Feedback.objects.get().language == "es"


def test_an_unknown_language_is_an_ordinary_send(client, code) -> None:
    data = survey_post(language="xx")
    response = client.post(SURVEY_URL, data)
    assert response.status_code == 303 and Feedback.objects.count() == 1


def test_the_code_page_switch_keeps_what_was_typed_and_looks_nothing_up(client, code) -> None:
    body = client.get("/feedback/").content.decode()
    assert 'form="code-form" formnovalidate name="language" value="es"' in body
    response = client.post("/feedback/", {"code": "7kq2 m9xd", "language": "es"})
    assert response.status_code == 200  # not a lookup: no redirect, no refusal
    page = response.content.decode()
    assert '<html lang="es">' in page and 'value="7kq2 m9xd"' in page
    assert "There is a problem" not in page and "Hay un problema" not in page
    assert response.cookies["django_language"].value == "es"
    assert "no-store" in response["Cache-Control"]
