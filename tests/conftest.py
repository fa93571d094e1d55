"""Shared pytest fixtures. Browser tests use Debian's Chromium through Playwright, never a download."""

from __future__ import annotations

import copy
import functools
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# Playwright's sync API runs an event loop in the test thread; Django's async-safety guard would
# then refuse ORM calls made by the test itself. The live server runs in its own thread regardless.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    """Each test starts with an empty cache (rate-limit counters, page caches) in the default
    language: a test or a live-server request that activates Spanish must not decide the language
    of the next test, nor one test's per-process rate-limit fallback its neighbour's limits."""
    from django.conf import settings
    from django.core.cache import cache
    from django.utils import translation

    from agencies.reads import national_memo_clear
    from feedback import ratelimit

    translation.activate(settings.LANGUAGE_CODE)
    national_memo_clear()  # the process's copy of the national pools, kept beside the cache
    ratelimit._FALLBACK.clear()
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        # clear() would FLUSHDB, wiping other checkouts' concurrent runs: delete our keys only.
        client = cache._cache.get_client(write=True)
        for key in client.scan_iter(match=f"{settings.CACHES['default']['KEY_PREFIX']}:*"):
            client.delete(key)
    else:
        cache.clear()
    yield


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Chromium for the whole session. Missing Chromium fails, never skips."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: run bin/test, which installs Debian's chromium.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def browser_page(browser: object) -> Iterator[Callable[..., object]]:
    """Return a factory: browser_page(viewport=PHONE, javascript=True, locale="en-US") -> Page."""
    contexts: list[object] = []

    def make(
        viewport: dict[str, int] | None = None, javascript: bool = True, locale: str = "en-US"
    ) -> object:
        context = browser.new_context(
            viewport=viewport or PHONE, java_script_enabled=javascript, locale=locale
        )
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot() -> Callable[[object, str], Path]:
    """Save a full-page screenshot under artifacts/screenshots/ and return its path."""

    def save(page: object, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


@functools.cache
def _trustville_objects() -> list[object]:
    from django.conf import settings
    from django.core import serializers

    text = (Path(settings.BASE_DIR) / "fixtures" / "trustville.json").read_text()
    return list(serializers.deserialize("json", text))


def load_trustville() -> None:
    """Insert fixtures/trustville.json with bulk inserts: the same rows as `loaddata`, ~20× faster.

    `tests/feedback/test_trustville.py` proves the real `loaddata` path separately.
    """
    from django.core.management.color import no_style
    from django.db import connection

    by_model: dict[type, list[object]] = {}
    through_rows: dict[type, list[object]] = {}
    for item in _trustville_objects():
        model = type(item.object)
        by_model.setdefault(model, []).append(copy.copy(item.object))
        for name, ids in (item.m2m_data or {}).items():
            field = model._meta.get_field(name)
            through = field.remote_field.through
            src = field.m2m_field_name() + "_id"
            dst = field.m2m_reverse_field_name() + "_id"
            through_rows.setdefault(through, []).extend(
                through(**{src: item.object.pk, dst: pk}) for pk in ids
            )
    for model, objs in (*by_model.items(), *through_rows.items()):
        model.objects.bulk_create(objs, batch_size=500)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(by_model)):
            cursor.execute(sql)


@pytest.fixture
def trustville(db: None) -> object:
    """The Trustville demo agency, as fixtures/trustville.json defines it."""
    from agencies.models import Agency

    ensure_standard_survey()  # an earlier transactional test may have flushed it
    load_trustville()
    load_trustville_releases()
    return Agency.objects.get(slug="trustville")


_RELEASES: list[object] = []


def load_trustville_releases() -> None:
    """The stored releases derived from the fixture's responses (feedback.releases.releases_derive),
    derived once per session and bulk-inserted after that (the same rows, ~1 s saved per test)."""
    from feedback.models import AgencyRelease, ReleaseBlock
    from feedback.releases import releases_derive

    if not _RELEASES:
        releases_derive()
        _RELEASES.extend([*ReleaseBlock.objects.all(), *AgencyRelease.objects.all()])
        return
    for model in (ReleaseBlock, AgencyRelease):
        rows = [copy.copy(r) for r in _RELEASES if isinstance(r, model)]
        for row in rows:
            row.pk = None
        model.objects.bulk_create(rows)


# --- feedback ---


def ensure_standard_survey() -> None:
    """Reinstall survey v1, with the ids migrate gives it, if a transactional test's flush removed
    it (it comes from a data migration; Trustville's answers point at those ids)."""
    import datetime as dt
    import importlib

    from django.core.management.color import no_style
    from django.db import connection

    from surveys.models import Question, Survey

    if Survey.objects.filter(version=1).exists():
        return
    migration = importlib.import_module("surveys.migrations.0002_install_standard_survey_v1")
    survey = Survey.objects.create(
        pk=1,
        version=1,
        title="Post-contact procedural justice survey",
        introduced_on=dt.date(2025, 6, 1),
        is_current=True,
    )
    for order, item in enumerate(migration.STANDARD_V1, start=1):
        Question.objects.create(
            pk=order,
            survey=survey,
            order=order,
            scale=item.get("scale", "agree"),
            is_satisfaction=item.get("is_satisfaction", False),
            **{k: item[k] for k in ("code", "pillar", "text_en", "text_es")},
        )
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Survey, Question]):
            cursor.execute(sql)


@pytest.fixture
def standard_survey(db: None) -> None:
    """Survey v1 present even after an earlier transactional test flushed the database."""
    ensure_standard_survey()
