"""The survey stays small on a phone connection: HTML plus our CSS and JS under 100 KB."""

import pytest

from .conftest import CODE

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("backend", ["none", "altcha"])
def test_survey_page_with_its_assets_is_under_100_kb(client, code, settings, backend) -> None:
    settings.CAPTCHA_BACKEND = backend
    html = client.get(f"/f/{CODE}").content
    static = settings.BASE_DIR / "static"
    assets = [static / "css" / "site.css", static / "js" / "feedback.js"]
    if backend == "altcha":
        assets.append(static / "js" / "altcha-solver.js")
    total = len(html) + sum(path.stat().st_size for path in assets)
    assert total < 100 * 1024, total
