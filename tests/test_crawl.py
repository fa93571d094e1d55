"""The site checks itself: crawl every public URL and fail on visible defects of three kinds.

(a) raw template syntax in the text a person sees (`{#`, `#}`, `{%`, `{{`);
(b) English on a Spanish page: a catalogue msgid shown verbatim, a text block that reads as
    English by its function words, or text shown identically on the English render of the page
    with a word no translation uses (a string missing from the catalogue); plus the glossary's
    forbidden variants (docs/glossary.md). Text marked `lang="en"` is an announced fallback;
(c) a broken internal link: an href/src to this site that answers 4xx/5xx, a missing static file,
    a same-site form action that resolves to no view, or a fragment link to an id the page lacks.
Every same-site POST form is also sent empty, and once without its CSRF token, and the error
pages that answer are checked like the others.

The URLs come from following links from the home page plus the URLconf, so a new page is crawled
without editing this file; a new URL parameter fails loudly until it is given sample values here.
Every crawl runs with the Trustville data, in English and Spanish, with the demo on and off, and
includes each error page (400/403/404/429/500/503) through the failing views below.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import polib
import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, path, resolve

from tests.agencies import error_urls
from tests.glossary import glossary_problems
from tests.site_pages import SITE_PAGES
from tests.site_walk import thanks_url_after_submitting


def unavailable(request: HttpRequest) -> HttpResponse:
    raise OperationalError("database away")


# This module is also the URLconf of the crawl: the site plus views that fail on purpose.
urlpatterns = [*error_urls.urlpatterns, path("test-errors/unavailable/", unavailable)]
handler400, handler403 = error_urls.handler400, error_urls.handler403
handler404, handler500 = error_urls.handler404, error_urls.handler500

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"
LANGUAGES = ("en", "es")
# Not the public site: the staff workspace (Django admin, its own tests) and the language POST.
PRIVATE_PREFIXES = ("/admin/", "/i18n/")
# Links that only set a preference and redirect: checked for status, never followed, because
# they set the language cookie that would switch the rest of the crawl.
NOT_FOLLOWED = re.compile(r"^/language/")
MAX_PAGES = 400  # a runaway (a link that grows a query string) fails instead of looping

# Proper names and fixed terms that read as English on a Spanish page on purpose. Keep it small:
# anything here is never checked for translation.
ALLOWED_ENGLISH = (
    "Open Policing",  # the operator's name (OPERATOR_NAME)
    "English",  # the language switch names the other language in that language
)

# Words that are frequent in English and are not Spanish words; two different ones in a block of
# a Spanish page mean an English sentence. Ambiguous words (a, no, me, he, has, son, sin, can, do,
# Total, Demo) are left out on purpose.
# fmt: off
ENGLISH_ONLY = frozenset((
    "the", "and", "of", "to", "is", "are", "was", "were", "be", "been", "with", "for", "from",
    "this", "that", "these", "those", "it", "its", "you", "your", "we", "our", "they", "their",
    "what", "which", "who", "how", "when", "where", "will", "would", "could", "should", "have",
    "had", "not", "or", "but", "by", "on", "at", "in", "an", "if", "does", "about", "more",
    "than", "only", "each", "every", "there", "here", "into", "out", "up", "all", "any",
))
# fmt: on

# Spanish function words that are not English: text with one is Spanish, whichever page shows it
# (a resident's comment written in Spanish is the same on the English page).
# fmt: off
SPANISH_ONLY = frozenset((
    "el", "la", "los", "las", "del", "que", "con", "por", "para", "una", "es", "lo", "se", "su",
    "sus", "al", "como", "pero", "muy", "fue", "está", "nos", "le", "les", "mi", "y",
))
# fmt: on
TEMPLATE_SYNTAX = re.compile(r"\{#|#\}|\{%|%\}|\{\{|\}\}")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]|%[sdif]|\{\w*\}")

# fmt: off
BLOCK_TAGS = frozenset((
    "address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "details",
    "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
    "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "option", "p", "pre",
    "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "title", "tr", "ul",
    "legend", "label", "button", "select", "textarea",
))
# fmt: on
# fmt: off
VOID_TAGS = frozenset((
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
))
# fmt: on
SKIPPED_TAGS = frozenset(("script", "style", "template"))
TEXT_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder", "aria-description")


# --- The page model: visible text in blocks with their language, and every reference ------------


@dataclass
class Page:
    blocks: list[tuple[str, str]] = field(default_factory=list)  # (language, text)
    links: list[str] = field(default_factory=list)  # href/src, followed with GET
    actions: list[tuple[str, str]] = field(default_factory=list)  # (method, action) of forms
    ids: set[str] = field(default_factory=set)

    def text(self, language: str | None = None) -> Iterator[str]:
        for lang, text in self.blocks:
            if language is None or lang == language:
                yield text


class _Parser(HTMLParser):
    def __init__(self, language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.stack: list[tuple[str, str]] = [("", language)]  # (tag, language in force)
        self.buffer: list[str] = []
        self.skipping = 0

    @property
    def language(self) -> str:
        return self.stack[-1][1]

    def flush(self) -> None:
        text = " ".join("".join(self.buffer).split())
        if text:
            self.page.blocks.append((self.language, text))
        self.buffer = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag in SKIPPED_TAGS:
            self.skipping += 1
        if "id" in values:
            self.page.ids.add(values["id"])
        if tag == "a" and "name" in values:
            self.page.ids.add(values["name"])
        lang = (values.get("lang") or self.language).split("-")[0].lower()
        if tag in BLOCK_TAGS or lang != self.language:
            self.flush()
        for name in TEXT_ATTRIBUTES:
            if values.get(name, "").strip():
                self.page.blocks.append((lang, " ".join(values[name].split())))
        if tag == "meta" and values.get("name") == "description":
            self.page.blocks.append((lang, values.get("content", "")))
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.page.blocks.append((lang, values["value"]))
        for name in ("href", "src"):
            if values.get(name) and tag != "base":
                self.page.links.append(values[name])
        if tag == "form":
            method = (values.get("method") or "get").lower()
            self.page.actions.append((method, values.get("action") or ""))
        if tag not in VOID_TAGS:
            self.stack.append((tag, lang))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS and self.skipping:
            self.skipping -= 1
        if not any(open_tag == tag for open_tag, _ in self.stack[1:]):
            return  # a stray end tag
        if tag in BLOCK_TAGS or self.stack[-1][1] != self.stack[-2][1]:
            self.flush()
        while self.stack[-1][0] != tag:
            self.stack.pop()
        self.flush()
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.buffer.append(data)

    def close(self) -> None:
        super().close()
        self.flush()


def parse(body: str, language: str = "en") -> Page:
    parser = _Parser(language)
    parser.feed(body)
    parser.close()
    return parser.page


# --- The checks: each returns the problems it finds, as short readable strings ----------------


def raw_template_syntax(page: Page) -> list[str]:
    """Template tags or comments that reached the visible text."""
    return [
        f"raw template text: {text[:160]!r}" for text in page.text() if TEMPLATE_SYNTAX.search(text)
    ]


@dataclass(frozen=True)
class Catalogue:
    phrases: tuple[tuple[str, re.Pattern[str]], ...]  # English fragments a translation replaces
    spanish: frozenset[str] = frozenset()  # every word of the translations, lower case

    @classmethod
    def load(cls, path: Path = CATALOGUE) -> Catalogue:
        return cls.from_entries(polib.pofile(str(path)))

    @classmethod
    def from_entries(cls, entries: Iterable[polib.POEntry]) -> Catalogue:
        entries = [e for e in entries if e.msgid and not e.obsolete]
        spanish_words = {
            word
            for e in entries
            for text in (e.msgstr, *e.msgstr_plural.values())
            for word in re.findall(r"\w+", text)
        }
        phrases: dict[str, re.Pattern[str]] = {}
        for entry in entries:
            translations = [entry.msgstr, *entry.msgstr_plural.values()]
            if entry.msgstr_plural and not entry.msgstr:
                translations = list(entry.msgstr_plural.values())
            same = not entry.fuzzy and all(
                t and _plain(t) == _plain(entry.msgid) for t in translations
            )
            if same:
                continue  # the Spanish is the English ("No", "Total"): nothing to detect
            for source in filter(None, (entry.msgid, entry.msgid_plural)):
                for fragment in PLACEHOLDER.split(_plain(source)):
                    fragment = fragment.strip(" .,:;·—–-()“”\"'")
                    words = re.findall(r"[A-Za-z]+", fragment)
                    if not words or fragment in ALLOWED_ENGLISH:
                        continue
                    if len(words) == 1 and (len(words[0]) < 4 or words[0] in spanish_words):
                        continue  # a short word, or one Spanish uses too ("Total", "Email")
                    pattern = re.compile(rf"(?<![\w-]){re.escape(fragment)}(?![\w-])")
                    phrases[fragment] = pattern
        return cls(tuple(sorted(phrases.items())), frozenset(w.lower() for w in spanish_words))

    def same_as_english(self, spanish: Page, english: Page) -> list[str]:
        """Text a page shows identically in English and in Spanish, with a lower-case word that no
        translation uses: a string missing from the catalogue ("Months covered"), or an unmarked one.

        Names ("Trustville Police Department", "KS") and numbers are the same in both and have no
        such word.
        """
        english_blocks = set(english.text("en"))
        problems = []
        for text in dict.fromkeys(spanish.text("es")):
            if text not in english_blocks:
                continue
            words = set(re.findall(r"\b[a-z]{3,}\b", _without_allowed(text))) - self.spanish
            if words and not set(re.findall(r"\w+", text.lower())) & SPANISH_ONLY:
                problems.append(
                    f"same in English and Spanish ({', '.join(sorted(words)[:4])}): {text[:160]!r}"
                )
        return problems

    def untranslated(self, page: Page, language: str = "es") -> list[str]:
        """Catalogue English shown verbatim in the page's `language` text, one problem a block.

        A one-word msgid counts only as a whole block (a label, a heading, a table header): inside
        a sentence the word may be a name, and an English sentence is caught by its function words.
        """
        problems = []
        for text in page.text(language):
            found = [
                fragment
                for fragment, pattern in self.phrases
                if (" " in fragment and pattern.search(text)) or fragment == text
            ]
            if found:
                longest = sorted(found, key=len, reverse=True)[:3]
                problems.append(f"untranslated {' | '.join(map(repr, longest))} in {text[:160]!r}")
        return problems


def _plain(text: str) -> str:
    """Catalogue text as a page shows it: no tags, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def _without_allowed(text: str) -> str:
    for name in ALLOWED_ENGLISH:
        text = text.replace(name, " ")
    return text


def english_sentences(page: Page, language: str = "es") -> list[str]:
    """Blocks of a Spanish page that read as English: two different English-only function words."""
    problems = []
    for text in page.text(language):
        words = {w.lower() for w in re.findall(r"[A-Za-z]+", _without_allowed(text))}
        hits = sorted(words & ENGLISH_ONLY)
        if len(hits) >= 2:
            problems.append(f"English text ({', '.join(hits)}): {text[:160]!r}")
    return problems


def glossary_drift(page: Page, language: str = "es") -> list[str]:
    """Variants docs/glossary.md forbids ("justicia procedimental", "noviembre 2025", ...)."""
    return [
        f"{problem} in {text[:120]!r}"
        for text in page.text(language)
        for problem in glossary_problems(text)
    ]


def internal(url: str, base: str) -> str | None:
    """The same-site path (with query) that `url` on page `base` points to, or None."""
    absolute = urljoin("http://testserver" + base, url.strip())
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def static_missing(path: str) -> bool:
    name = urlsplit(path).path.removeprefix(settings.STATIC_URL)
    return finders.find(name) is None


def form_problems(page: Page, base: str) -> list[str]:
    problems = []
    for method, action in page.actions:
        target = internal(action, base) if action else base
        if target is None:
            continue
        try:
            resolve(urlsplit(target).path)
        except Resolver404:
            problems.append(f"form ({method}) posts to {action!r}, which is no page")
    return problems


# --- The crawl --------------------------------------------------------------------------------


def url_samples(trustville: object) -> dict[str, list[str]]:
    """Sample values for URL parameters, by parameter name. A new parameter fails the crawl."""
    from agencies.models import Agency
    from agencies.opendata import TABLE_NAMES
    from feedback.services_demo import feedback_code_issue_demo

    demo_code = feedback_code_issue_demo(agency=trustville)
    return {
        "slug": list(Agency.objects.order_by("pk").values_list("slug", flat=True)),
        "raw_code": [demo_code, "0000-0000-0000-0"],
        "code": list(LANGUAGES),
        "token": ["not-a-real-token"],
        "table": sorted(TABLE_NAMES),  # the open-data tables
    }


def urlconf_paths(samples: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """Every path of the URLconf outside PRIVATE_PREFIXES, parameters filled from `samples`.

    Returns (paths, unknown): unknown names patterns with a parameter that has no sample.
    """
    paths: list[str] = []
    unknown: list[str] = []

    def walk(patterns: list, prefix: str) -> None:
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, route)
                continue
            if not isinstance(entry, URLPattern) or ("/" + route).startswith(PRIVATE_PREFIXES):
                continue
            names = re.findall(r"<(?:\w+:)?(\w+)>", route)
            if any(name not in samples for name in names):
                unknown.append(route)
                continue
            filled = ["/" + route]
            for name in names:
                filled = [
                    re.sub(rf"<(?:\w+:)?{name}>", value, p, count=1)
                    for p in filled
                    for value in samples[name]
                ]
            paths.extend(p for p in filled if "^" not in p and "(?" not in p)

    walk(get_resolver().url_patterns, "")
    return paths, unknown


def thanks_urls(trustville: object, language: str) -> list[str]:
    """The thank-you page as a resident reaches it: after answering a fresh demo code's survey."""
    from feedback.services_demo import feedback_code_issue_demo

    code = feedback_code_issue_demo(agency=trustville)
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    # A test cannot solve a captcha (it has its own tests); the pages crawled keep the real one.
    with override_settings(CAPTCHA_BACKEND="none", FEEDBACK_MIN_SECONDS=0):
        return [thanks_url_after_submitting(client, f"/f/{code}")]


@dataclass
class Crawl:
    language: str
    catalogue: Catalogue
    problems: list[str] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)  # path -> status
    pages: dict[str, Page] = field(default_factory=dict)

    def client(self) -> Client:
        return Client(HTTP_ACCEPT_LANGUAGE=self.language, raise_request_exception=False)

    def run(self, start: list[str], required: set[str]) -> None:
        client = self.client()
        english = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
        compared: set[str] = set()
        queue = list(dict.fromkeys(start))
        links: dict[str, str] = {}  # target -> first page linking to it
        while queue:
            current = queue.pop(0)
            if current in self.seen:
                continue
            if len(self.seen) >= MAX_PAGES:
                self.problems.append(f"more than {MAX_PAGES} pages: a link that never ends?")
                break
            response = client.get(current)
            self.seen[current] = response.status_code
            if current in required and response.status_code >= 500 and not expected_error(current):
                self.problems.append(f"{current}: answered {response.status_code}")
            queue += self.take(current, current, response, links)
            # Once per path: ?page=2 of the comments shows the same strings as the first page.
            if (
                self.language == "es"
                and current in self.pages
                and urlsplit(current).path not in compared
            ):
                compared.add(urlsplit(current).path)
                self.compare_with_english(current, english)
        self.post_forms(links)
        self.check_links(links)

    def take(self, where: str, path: str, response: object, links: dict[str, str]) -> list[str]:
        """Check an HTML response; record its same-site links; return those to visit."""
        if "text/html" not in response.get("Content-Type", ""):
            return []
        page = parse(response.content.decode(), self.language)
        self.pages[where] = page
        self.check_page(where, page)
        new = []
        for ref in page.links:
            target = internal(ref, path)
            if target is None or target.startswith(PRIVATE_PREFIXES):
                continue
            self.check_fragment(ref, path, page)
            target = urldefrag(target).url
            if target == path:
                continue  # "#main" and other links within the page: checked as fragments
            links.setdefault(target, where)
            if target not in self.seen and not self.skip(target):
                new.append(target)
        return new

    def compare_with_english(self, path: str, english: Client) -> None:
        response = english.get(path)
        if "text/html" in response.get("Content-Type", ""):
            found = self.catalogue.same_as_english(
                self.pages[path], parse(response.content.decode(), "en")
            )
            self.problems.extend(f"{path}: {problem}" for problem in found)

    def post_forms(self, links: dict[str, str]) -> None:
        """Each same-site POST form, sent empty: its error page is checked like any page, and a
        form sent without its CSRF token gets the friendly 403 page, checked too."""
        actions = sorted(
            {
                urlsplit(internal(action, path) or path).path
                for path, page in list(self.pages.items())
                if not path.startswith("POST ")
                for method, action in page.actions
                if method == "post"
            }
            - {"/i18n/setlang/"}
        )
        client = self.client()
        for action in actions:
            if action.startswith(PRIVATE_PREFIXES):
                continue
            response = client.post(action, {})
            if response.status_code >= 500:
                self.problems.append(f"POST {action}: answered {response.status_code}")
            self.take(f"POST {action}", action, response, links)
        if actions:
            strict = Client(
                enforce_csrf_checks=True,
                HTTP_ACCEPT_LANGUAGE=self.language,
                raise_request_exception=False,
            )
            response = strict.post(actions[0], {})
            self.seen[f"POST {actions[0]} (no CSRF token)"] = response.status_code
            self.take(f"POST {actions[0]} (no CSRF token)", actions[0], response, links)

    @staticmethod
    def skip(target: str) -> bool:
        return target.startswith(settings.STATIC_URL) or bool(NOT_FOLLOWED.match(target))

    def check_page(self, where: str, page: Page) -> None:
        found = raw_template_syntax(page) + form_problems(page, where)
        if self.language == "es":
            found += self.catalogue.untranslated(page) + english_sentences(page)
            found += glossary_drift(page)
        self.problems.extend(f"{where}: {problem}" for problem in found)

    def check_fragment(self, ref: str, where: str, page: Page) -> None:
        """A link to a fragment of this same page names an id the page has."""
        target, fragment = urldefrag(urljoin("http://testserver" + where, ref.strip()))
        if fragment and target == "http://testserver" + where and fragment not in page.ids:
            self.problems.append(f"{where}: link to #{fragment}, which is not on the page")

    def check_links(self, links: dict[str, str]) -> None:
        """Every same-site href/src answers below 400 (static files: exist)."""
        probe = self.client()  # a separate client: following a language link sets a cookie
        for target, source in links.items():
            if target.startswith(settings.STATIC_URL):
                if static_missing(target):
                    self.problems.append(f"{source}: links to missing static file {target}")
                continue
            status = self.seen.get(target)
            if status is None:
                status = probe.get(target).status_code
            if status >= 400:
                self.problems.append(f"{source}: broken link {target} ({status})")


def expected_error(path: str) -> bool:
    return path.startswith("/test-errors/")


def report(problems: list[str]) -> str:
    """One line per distinct problem, with the first page it was seen on and how many more."""
    where: dict[str, list[str]] = {}
    for problem in problems:
        page, _, detail = problem.partition(": ")
        where.setdefault(detail, []).append(page)
    lines = [
        f"{pages[0]}{f' (+{len(pages) - 1} pages)' if len(pages) > 1 else ''}: {detail}"
        for detail, pages in where.items()
    ]
    return "\n".join([f"{len(lines)} distinct problems:", *lines])


@cache
def catalogue() -> Catalogue:
    return Catalogue.load()


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.parametrize("demo", [True, False], ids=["demo-on", "demo-off"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_crawl_every_public_page(
    trustville: object, settings: object, language: str, demo: bool
) -> None:
    settings.DEMO_ENABLED = demo
    settings.DEBUG = False
    samples = url_samples(trustville)
    paths, unknown = urlconf_paths(samples)
    assert unknown == [], f"give these URL parameters sample values in url_samples(): {unknown}"
    start = ["/", *paths, *thanks_urls(trustville, language), "/no-such-page/"]
    crawl = Crawl(language, catalogue())
    crawl.run(start, required=set(start))
    # The crawl reached the pages it must: every site page, Trustville and every error page.
    from django.urls import reverse

    must_reach = {reverse(name) for name in SITE_PAGES} | {trustville.get_absolute_url()}
    assert must_reach <= set(crawl.pages), must_reach - set(crawl.pages)
    assert any(path.startswith("POST ") for path in crawl.pages), "no form was sent"
    assert any(path.startswith("/feedback/thanks/?t=") for path in crawl.pages), "no thank-you page"
    statuses = set(crawl.seen.values())
    assert {200, 400, 403, 404, 429, 500, 503} <= statuses, statuses
    assert crawl.problems == [], report(crawl.problems)


# --- The checks catch what they are for: crafted pages with each defect put back --------------

SPANISH_PAGE = """<!doctype html><html lang="es"><head><title>Agencias</title>
<meta name="description" content="Opiniones anónimas"></head><body>
<nav><a href="/agencies/">Agencias</a> <a href="/language/en/?next=/" lang="en">English</a></nav>
<main id="main"><h1>Cómo valoran las personas sus contactos</h1>
<p>Open Policing es software libre. <a href="#metodo">Método</a></p>
<h2 id="metodo">Método</h2><img src="/static/img/favicon.svg" alt="Escudo">
<script>var x = "{{ not visible }} the and of";</script>
<blockquote lang="en">The officer was kind and listened to me.</blockquote>
<p>De 366 personas entre noviembre de 2025 y octubre de 2026.</p>
</main></body></html>"""


def entry(msgid: str, msgstr: str, **kwargs: object) -> polib.POEntry:
    return polib.POEntry(msgid=msgid, msgstr=msgstr, **kwargs)


CRAFTED = Catalogue.from_entries(
    [
        entry("How people rate their contacts", "Cómo valoran las personas sus contactos"),
        entry("Agencies", "Agencias"),
        entry("Voice", "Voz"),
        entry("Total", "Total"),
        entry(
            "From %(n)s people between %(first)s and %(last)s.",
            "De %(n)s personas entre %(first)s y %(last)s.",
            flags=["python-format"],
        ),
        entry("Untranslated yet", ""),
    ]
)


def test_a_clean_spanish_page_passes_every_check() -> None:
    page = parse(SPANISH_PAGE, "es")
    assert raw_template_syntax(page) == []
    assert CRAFTED.untranslated(page) == []
    assert english_sentences(page) == []
    assert glossary_drift(page) == []
    assert form_problems(page, "/") == []
    assert "The officer was kind and listened to me." in page.text("en")


@pytest.mark.parametrize(
    "defect",
    [
        "{# A two-line comment that leaked #}",
        "{% translate 'Voice' %}",
        "{{ agency.name }}",
        '<span title="{{ x }}">ok</span>',
    ],
)
def test_raw_template_syntax_is_caught(defect: str) -> None:
    page = parse(SPANISH_PAGE.replace('<main id="main">', f'<main id="main"><p>{defect}</p>'), "es")
    assert raw_template_syntax(page), defect


@pytest.mark.parametrize(
    ("defect", "caught"),
    [
        ("<h2>How people rate their contacts</h2>", "How people rate their contacts"),
        ("<th>Voice</th>", "Voice"),
        ('<button aria-label="Agencies">x</button>', "Agencies"),
        ("<p>From 12 people between enero de 2026 and marzo de 2026.</p>", "people between"),
        ("<p>Untranslated yet</p>", "Untranslated yet"),
    ],
)
def test_catalogue_english_on_a_spanish_page_is_caught(defect: str, caught: str) -> None:
    page = parse(SPANISH_PAGE.replace("</main>", defect + "</main>"), "es")
    found = CRAFTED.untranslated(page) + english_sentences(page)
    assert found, defect
    assert any(caught in problem for problem in found)


def test_text_missing_from_the_catalogue_is_caught_by_comparing_with_english() -> None:
    shared = (
        "<th>Months covered</th><p>Trustville Police Department</p>"
        "<blockquote>El agente me escuchó con paciencia.</blockquote>"
    )
    english = parse(f'<html lang="en"><body><h1>How people rate</h1>{shared}</body></html>', "en")
    spanish = parse(SPANISH_PAGE.replace("</main>", shared + "</main>"), "es")
    found = CRAFTED.same_as_english(spanish, english)
    assert len(found) == 1 and "Months covered" in found[0], found
    translated = parse(SPANISH_PAGE.replace("</main>", "<th>Meses cubiertos</th></main>"), "es")
    assert CRAFTED.same_as_english(translated, english) == []


def test_english_words_shared_with_spanish_are_not_flagged() -> None:
    page = parse(SPANISH_PAGE.replace("</main>", "<p>Total: 44</p></main>"), "es")
    assert CRAFTED.untranslated(page) == []


@pytest.mark.parametrize(
    "defect",
    [
        "<p>The comparison is with demo agencies only.</p>",
        "<p>[name removed] was at the call</p>",
        "<li>Welcome to the Trustville Police Department and thank you for your feedback.</li>",
    ],
)
def test_english_not_in_the_catalogue_is_caught_by_its_function_words(defect: str) -> None:
    page = parse(SPANISH_PAGE.replace("</main>", defect + "</main>"), "es")
    assert english_sentences(page), defect


def test_english_marked_as_english_is_an_announced_fallback_not_a_defect() -> None:
    defect = '<p lang="en">Welcome to the Trustville Police Department.</p>'
    page = parse(SPANISH_PAGE.replace("</main>", defect + "</main>"), "es")
    assert english_sentences(page) == []


@pytest.mark.parametrize(
    ("drift", "variant"),
    [
        ("noviembre de 2025", "noviembre 2025"),
        ("Cómo valoran", "Parada de tránsito. Cómo valoran"),
        ("es software libre", "es software libre de justicia procedimental"),
    ],
)
def test_glossary_drift_on_a_page_is_caught(drift: str, variant: str) -> None:
    page = parse(SPANISH_PAGE.replace(drift, variant, 1), "es")
    assert glossary_drift(page), variant


@pytest.mark.django_db
def test_broken_links_missing_static_files_and_fragments_are_caught(trustville: object) -> None:
    broken = (
        SPANISH_PAGE.replace('href="/agencies/"', 'href="/agencies/no-such-agency/"')
        .replace("/static/img/favicon.svg", "/static/img/gone.svg")
        .replace('href="#metodo"', 'href="#nowhere"')
        .replace("</main>", '<form method="post" action="/no/such/form/"></form></main>')
    )
    crawl = Crawl("es", CRAFTED)
    page = parse(broken, "es")
    crawl.check_page("/faq/", page)
    for ref in page.links:
        crawl.check_fragment(ref, "/faq/", page)
    links = {
        urldefrag(internal(ref, "/faq/")).url: "/faq/"
        for ref in page.links
        if internal(ref, "/faq/")
    }
    crawl.check_links(links)
    text = "\n".join(crawl.problems)
    assert "broken link /agencies/no-such-agency/ (404)" in text
    assert "missing static file /static/img/gone.svg" in text
    assert "#nowhere" in text
    assert "/no/such/form/" in text
    # and the same page with its links intact has none of these problems
    clean = Crawl("es", CRAFTED)
    page = parse(SPANISH_PAGE, "es")
    clean.check_page("/faq/", page)
    clean.check_links(
        {urldefrag(internal(r, "/faq/")).url: "/faq/" for r in page.links if internal(r, "/faq/")}
    )
    assert clean.problems == []


def test_external_and_special_links_are_not_internal() -> None:
    assert internal("https://example.org/", "/") is None
    assert internal("mailto:a@b.example", "/") is None
    assert internal("//evil.example/x", "/") is None
    assert internal("faq/", "/agencies/") == "/agencies/faq/"
    assert internal("?page=2", "/agencies/") == "/agencies/?page=2"
