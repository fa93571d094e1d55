"""The Spanish catalogue follows the glossary and compiles into what a Spanish page shows.

The crawl (tests/test_crawl.py) checks the rendered pages; this checks the catalogue itself, so a
wrong term is caught even on a page the crawl cannot reach (e-mails, staff screens, errors).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format

from tests.glossary import forbidden_variants, glossary_problems

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w+\}")


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    return polib.pofile(str(CATALOGUE))


def spanish(entry: polib.POEntry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


def test_the_glossary_has_the_terms_the_issue_names() -> None:
    terms = {term for term, _ in forbidden_variants()}
    assert {"justicia procesal", "parada de tráfico", "noviembre de 2025"} <= terms
    assert any("Totalmente en desacuerdo" in term for term in terms)


def test_the_catalogue_uses_the_glossary_terms(catalogue: polib.POFile) -> None:
    problems = [
        f"{entry.msgid[:60]!r}: {problem}"
        for entry in catalogue
        if not entry.obsolete
        for text in spanish(entry)
        for problem in glossary_problems(text)
    ]
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize(
    "drifted",
    [
        "los cuatro pilares de la justicia procedimental",
        "Parada de tránsito",
        "de “muy en desacuerdo” a “muy de acuerdo”",
        "Publicado en noviembre 2025",
    ],
)
def test_each_drift_the_issue_names_is_caught(drifted: str) -> None:
    assert glossary_problems(drifted), drifted


def test_the_glossary_terms_themselves_pass() -> None:
    text = (
        "justicia procesal, parada de tráfico, Totalmente en desacuerdo, Totalmente de acuerdo, "
        "noviembre de 2025, Muy satisfecho/a, con “no aplica” cuando no corresponde"
    )
    assert glossary_problems(text) == []


def test_every_entry_is_translated_once_with_every_plural_form(catalogue: polib.POFile) -> None:
    """No English left, no duplicate msgid (a union merge can add one), every plural form filled.

    An entry with fewer forms than the header declares shows English for the missing counts (the
    comparison sentence "... of the 5 demo agencies ..." did, under a three-form header).
    """
    nplurals = int(re.search(r"nplurals=(\d+)", catalogue.metadata["Plural-Forms"]).group(1))
    entries = [e for e in catalogue if not e.obsolete]
    keys = Counter((e.msgctxt, e.msgid) for e in entries)
    assert [key for key, n in keys.items() if n > 1] == []
    assert [e.msgid for e in entries if "fuzzy" in e.flags] == []
    assert [e.msgid for e in entries if not all(spanish(e))] == []
    plural = [e for e in entries if e.msgid_plural]
    assert [e.msgid for e in plural if sorted(e.msgstr_plural) != list(range(nplurals))] == []


def test_placeholders_survive_translation(catalogue: polib.POFile) -> None:
    problems = []
    for entry in catalogue:
        if entry.obsolete:
            continue
        wanted = Counter(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        for text in spanish(entry):
            # A singular form may say "una" instead of "%(counter)s": only names must match.
            if set(PLACEHOLDER.findall(text)) - set(wanted):
                problems.append(entry.msgid[:60])
            if not entry.msgid_plural and Counter(PLACEHOLDER.findall(text)) != wanted:
                problems.append(entry.msgid[:60])
    assert problems == []


def test_spanish_months_say_de_and_english_months_do_not() -> None:
    import datetime as dt

    month = dt.date(2025, 11, 1)
    with translation.override("es"):
        assert date_format(month, "YEAR_MONTH_FORMAT") == "noviembre de 2025"
    with translation.override("en"):
        assert date_format(month, "YEAR_MONTH_FORMAT") == "November 2025"


def test_no_template_or_module_formats_a_month_without_the_locale_format() -> None:
    """`date:"F Y"` prints "noviembre 2025" in Spanish; YEAR_MONTH_FORMAT prints it with "de".

    Python code likewise uses date_format(d, "YEAR_MONTH_FORMAT"), never "F Y" or strftime's %B
    (which is not even translated).
    """
    base = Path(settings.BASE_DIR)
    sources = [*base.joinpath("templates").rglob("*.html")] + [
        path
        for app in ("agencies", "feedback", "surveys", "openpolicing")
        for path in base.joinpath(app).rglob("*.py")
    ]
    offenders = [
        f"{path.relative_to(base)}:{number}"
        for path in sources
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if re.search(r"""date:["']F Y["']|["']F Y["']|%B""", line)
    ]
    assert offenders == []


def test_msgfmt_accepts_the_catalogue() -> None:
    """GNU msgfmt's own checks: formats, plural forms against the header, duplicate entries."""
    import subprocess

    result = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(CATALOGUE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
