"""The Agency Page: gather its rollups and records, compute its figures, cache the rendered page.

The whole rendered page is cached on the shared cache by slug, language, month and options, and
stored with the agency's cache version (agencies/cache.py): a request reads both in one round
trip and, when they match, is answered without a query or a template. Any change that bumps the
version (moderation, a public response, a profile edit, new feedback that shows) makes every cached
copy stale at once. Nothing per request is in the cached HTML: no CSRF token (the language switch
is a link), no CSP nonce (no inline script or style); headers are still added per request by the
middleware. The demo agency's page has a CSRF-protected "Try it" form, so only its body is cached.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from feedback.models import Category, Feedback, ModerationRollup
from surveys.disclosure import released_cells
from surveys.models import Question
from surveys.scoring import DOES_NOT_APPLY, SCALE, Estimate

from . import reads
from .cache import agency_cache_version, figures_generation, version_key
from .charts import Segment, stacked_bar, trend_chart
from .figures import PILLARS, Figures, agency_figures, closed_through, compare, headline_range
from .models import Agency

COMMENTS_PER_PAGE = 10
PAGE_CACHE_SECONDS = 3600  # pages and their figures; bounds how stale a national median is
TREND_CHOICES = (12, 24)


def feedback_entry_url() -> str:
    try:
        return reverse("feedback:entry")
    except NoReverseMatch:  # the feedback app's URLs are not wired in this deployment
        return "/feedback/"


def current_closed_month(today: dt.date | None = None) -> dt.date:
    return closed_through(today or timezone.localdate(), code_days=settings.FEEDBACK_CODE_DAYS)


@dataclass(frozen=True)
class Row:
    """One labelled figure for a template: the estimate, or None with the reason in words."""

    label: str
    estimate: Estimate | None

    @property
    def interval_width(self) -> float:
        """Width of the 95 % interval on the 0-100 bar (templates cannot subtract)."""
        est = self.estimate
        if est is None or est.low is None or est.high is None:
            return 0.0
        return round(est.high - est.low, 2)


@dataclass(frozen=True)
class ItemRow:
    question: Question
    n: int | None
    segments: list[Segment]


def _moderation_cells(agency: Agency) -> dict[tuple[str, str], int]:
    """Comments offered for publication, by (state, reason withheld): a few rollup rows."""
    cells = ModerationRollup.objects.filter(agency=agency, count__gt=0)
    return {
        (state, reason): c for state, reason, c in cells.values_list("state", "reason", "count")
    }


def _moderation_counts(cells: dict[tuple[str, str], int], k: int) -> dict | None:
    published = withheld = pending = 0
    reasons: dict[str, int] = {}
    for (state, reason), c in cells.items():
        if state == Feedback.Moderation.PUBLISHED:
            published += c
        elif state == Feedback.Moderation.WITHHELD:
            withheld += c
            reasons[reason] = reasons.get(reason, 0) + c
        else:  # pending, or flagged for internal follow-up: not (yet) published
            pending += c
    if published + withheld + pending < k:
        return None
    labels = dict(Feedback.WithheldReason.choices)
    shown = released_cells(reasons, k=k)
    return {
        "published": published,
        "withheld": withheld,
        "pending": pending,
        "reasons": [(labels.get(r, r), reasons[r]) for r in sorted(shown)],
        "reasons_hidden": len(shown) < len(reasons),
    }


class _CountedPaginator(Paginator):
    """A paginator told its count (from the moderation rollup) instead of running COUNT(*)."""

    def __init__(self, object_list: QuerySet, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def _comments_page(agency: Agency, number: int, *, published: int) -> Page:
    comments = (
        Feedback.objects.comments_published()
        .filter(agency=agency)
        .select_related("public_response")
        .only(
            "published_text",
            "published_on",
            "language",
            "public_response__body",
            "public_response__body_es",
        )
        .order_by("-published_on", "-id")  # the feedback_published_comments index
    )
    return _CountedPaginator(comments, COMMENTS_PER_PAGE, count=published).get_page(number)


def figures_context(agency: Agency, *, closed: dt.date, trend_months: int) -> dict:
    """What the figures sections show: the agency's rollups of closed months, and the comparison."""
    k = reads.k_min()
    answers = reads.answer_rows(agency)
    question_ids = {row.question_id for row in answers}
    questions = list(
        Question.objects.filter(id__in=question_ids)
        .select_related("survey")
        .order_by("-survey__version", "order")
    )
    satisfaction = next((q.id for q in questions if q.is_satisfaction), None)
    figures: Figures = agency_figures(
        reads.score_rows(agency),
        answers,
        k=k,
        closed=closed,
        satisfaction_question_id=satisfaction,
        trend_months=trend_months,
    )
    labels = dict(Question._meta.get_field("pillar").choices)
    pillars = [Row(labels[p], figures.measures[p]) for p in (*PILLARS, "outcome")]
    categories = [Row(label, figures.categories.get(value)) for value, label in Category.choices]
    items = []
    for q in questions:
        dist = figures.distributions.get(q.id)
        items.append(
            ItemRow(
                q,
                dist.n if dist else None,
                stacked_bar(dist.shares, (*SCALE, DOES_NOT_APPLY)) if dist else [],
            )
        )
    national = reads.national_trust(closed, demo=agency.is_demo)
    trust = figures.trust
    comparison = compare(trust.value, national) if trust else None
    trend_first = headline_range(closed, trend_months)[0]
    return {
        "agency": agency,
        "k": k,
        "figures": figures,
        "closed": closed,
        "trust": trust,
        "pillars": pillars,
        "categories": categories,
        "items": items,
        "comparison": comparison,
        "trend_months": trend_months,
        "trend_choices": TREND_CHOICES,
        "charts": [
            ("wide", trend_chart(figures.trend, first=trend_first, last=closed)),
            ("narrow", trend_chart(figures.trend, first=trend_first, last=closed, width=360)),
        ]
        if figures.trend
        else [],
        "code_days": settings.FEEDBACK_CODE_DAYS,
    }


def figures_key(agency: Agency, *, closed: dt.date, trend_months: int, generation: int) -> str:
    """The cache key of an agency's figures sections.

    Closed months no longer change (a month closes once every code for it has expired), so new
    responses, comments and moderation never touch these sections: only a rollup rebuild
    (`generation`), the next closed month, or a change of what the sections print about the
    agency (its name, whether it is a demo) does. The national median in them may be as old as
    the national pool's own cache (reads.NATIONAL_CACHE_SECONDS) plus PAGE_CACHE_SECONDS.
    """
    shown = hashlib.sha256(f"{agency.name}\x00{agency.is_demo}".encode()).hexdigest()[:16]
    parts = (agency.pk, shown, get_language(), f"{closed:%Y-%m}", trend_months, generation)
    parts += (f"k{reads.k_min()}",)  # a deploy that raises k must not serve the old figures
    return "agency-figures:" + ":".join(str(p) for p in parts)


def figures_section(agency: Agency, *, closed: dt.date, trend_months: int) -> SafeString:
    """The rendered figures sections, from the shared cache when rendered before."""
    generation = figures_generation()
    key = figures_key(agency, closed=closed, trend_months=trend_months, generation=generation)
    html = reads.cache_get(key) if generation else None
    if isinstance(html, SafeString):  # our own template output, pickled with its class
        return html
    context = figures_context(agency, closed=closed, trend_months=trend_months)
    html = render_to_string("agencies/detail_figures.html", context)
    if generation:
        reads.cache_set(key, html, PAGE_CACHE_SECONDS)
    return html


def agency_context(
    agency: Agency, *, comments_page: int, trend_months: int, today: dt.date | None
) -> dict:
    """Everything the Agency Page body shows (a fixed number of queries)."""
    k = reads.k_min()
    closed = current_closed_month(today)
    cells = _moderation_cells(agency)
    return {
        "agency": agency,
        "k": k,
        "closed": closed,
        "figures_section": figures_section(agency, closed=closed, trend_months=trend_months),
        "comments": _comments_page(
            agency,
            comments_page,
            published=sum(
                c for (state, _), c in cells.items() if state == Feedback.Moderation.PUBLISHED
            ),
        ),
        "moderation": _moderation_counts(cells, k),
        "policies": list(agency.policies.all()),
        "accreditations": list(agency.accreditations.all()),
        "feedback_url": feedback_entry_url(),
        "code_days": settings.FEEDBACK_CODE_DAYS,
    }


def agency_body(
    request: HttpRequest, agency: Agency, *, comments_page: int, trend_months: int
) -> SafeString:
    """Render the page body (everything inside <main>) from the agency's rollups and records."""
    context = agency_context(
        agency, comments_page=comments_page, trend_months=trend_months, today=None
    )
    return render_to_string("agencies/detail_body.html", context, request=request)


# --- The page cache ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PageWant:
    """What picks one cached Agency Page: the address, the language, the month and the options."""

    slug: str
    language: str
    closed: dt.date
    trend_months: int
    comments_page: int

    @property
    def key(self) -> str:
        # k is part of the key: a deploy that raises it must not serve figures built on the old k.
        parts = (self.slug, self.language, f"{self.closed:%Y-%m}", self.trend_months)
        parts += (self.comments_page, f"k{reads.k_min()}")
        return "agency-page:" + ":".join(str(p) for p in parts)

    @property
    def path(self) -> str:
        """The page's canonical address (the language switch returns here, whatever else the
        query string held: a cached page is shared by every request that maps to it)."""
        query = {"trend": self.trend_months} if self.trend_months != TREND_CHOICES[0] else {}
        if self.comments_page > 1:
            query["page"] = self.comments_page
        path = reverse("agencies:detail", kwargs={"slug": self.slug})
        return f"{path}?{urlencode(query)}" if query else path


@dataclass(frozen=True)
class CachedPage:
    """A cache entry: the whole response, or (for pages that carry a per-request CSRF token,
    the demo agency's "Try it" form) only the body, which the frame is rendered around."""

    version: int
    whole: bool
    content: bytes | SafeString


def page_lookup(want: PageWant) -> tuple[int, CachedPage | None]:
    """The agency's cache version and its page, if cached under that version: one round trip.

    Version 0 means the cache is unavailable; nothing is cached then.
    """
    vkey = version_key(want.slug)
    try:
        found = cache.get_many([vkey, want.key])
    except Exception:  # noqa: BLE001 - a cache outage is a miss (SECURITY.md 12)
        return 0, None
    version = found.get(vkey)
    if version is None:
        return agency_cache_version(want.slug), None
    entry = found.get(want.key)
    # The body is our own template output (a SafeString: every value was escaped when it was
    # rendered); pickling on the cache keeps that class, so nothing is marked safe by hand.
    if isinstance(entry, CachedPage) and entry.version == version:
        return version, entry
    return version, None


def page_store(
    request: HttpRequest,
    want: PageWant,
    version: int,
    *,
    whole: bool,
    content: bytes | SafeString,
) -> None:
    """Cache a rendered page (or body) under the version read before it was computed.

    A page whose rendering asked for a CSRF token or a CSP nonce is specific to this request and
    is never cached whole: another visitor would get a token, or a nonce their response's
    Content-Security-Policy header does not carry.
    """
    if not version:
        return
    per_request = "CSRF_COOKIE_NEEDS_UPDATE" in request.META or getattr(request, "_csp_nonce", None)
    if whole and per_request:
        return
    reads.cache_set(want.key, CachedPage(version, whole, content), PAGE_CACHE_SECONDS)
