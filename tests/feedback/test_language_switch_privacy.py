"""The survey's address holds the feedback code: its language switch must not put it in a URL."""

import pytest

from .conftest import CODE

pytestmark = pytest.mark.django_db


def test_survey_language_switch_posts_the_address_and_never_links_it(client, code) -> None:
    body = client.get(f"/f/{CODE}").content.decode()
    assert 'action="/i18n/setlang/" method="post"' in body
    assert "/language/" not in body  # the GET link (query string: logs, Referer) is not used
