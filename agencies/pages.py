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
from django.core.paginator import EmptyPage, Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from feedback.models import Category, Feedback, ModerationRollup
from feedback.releases import latest_release
from surveys.disclosure import Block, released_cells
from surveys.models import Question
from surveys.scoring import DOES_NOT_APPLY, SCALE, Estimate

from . import reads
from .cache import figures_generation, version_key
from .charts import Segment, stacked_bar, trend_chart
from .figures import PILLARS, TrendPoint, closed_through, estimate_of, headline_range
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
    shares: list = ()  # Share per answer, in the item's own scale's words


def _moderation_cells(agency: Agency) -> dict[tuple[str, str], int]:
    """Comments offered for publication, by (state, reason withheld): a few rollup rows."""
    cells = ModerationRollup.objects.filter(agency=agency, count__gt=0)
    return {
        (state, reason): c for state, reason, c in cells.values_list("state", "reason", "count")
    }


def _moderation_counts(cells: dict[tuple[str, str], int], k: int) -> dict | None:
    published = withheld = 0
    reasons: dict[str, int] = {}
    for (state, reason), c in cells.items():
        if state == Feedback.Moderation.PUBLISHED:
            published += c
        elif state == Feedback.Moderation.WITHHELD:
            withheld += c
            reasons[reason] = reasons.get(reason, 0) + c
    # Comments awaiting review are not counted on the page: that count moves with submissions
    # (a timing channel, PRIVACY.md rule 9), and so would a threshold that includes them.
    if published + withheld < k:
        return None
    labels = dict(Feedback.WithheldReason.choices)
    shown = released_cells(reasons, k=k)
    return {
        "published": published,
        "withheld": withheld,
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
    try:
        return _CountedPaginator(comments, COMMENTS_PER_PAGE, count=published).page(number)
    except EmptyPage as error:  # a 404 that stores nothing, not a cached copy of the last page
        raise Http404 from error


@dataclass(frozen=True)
class Covered:
    """Which released blocks a figure covers, in words (first and last month, block count)."""

    first: dt.date | None
    last: dt.date | None
    blocks: int
    n: int


def _covered(blocks: list[dict]) -> Covered:
    if not blocks:
        return Covered(None, None, 0, 0)
    return Covered(
        dt.date.fromisoformat(blocks[0]["first"]),
        dt.date.fromisoformat(blocks[-1]["last"]),
        len(blocks),
        sum(b["n"] for b in blocks),
    )


@dataclass(frozen=True)
class CategoryRow:
    label: str
    estimate: Estimate | None
    status: str  # shown | not_in_any_block | too_few | none
    covered: Covered


@dataclass(frozen=True)
class BlockRow:
    """One released block in the trend table: its trust index, change, response rate."""

    block: Block
    trust: Estimate | None
    change_previous: dict | None
    change_year: dict | None
    response_rate: dict | None


SCALE_LABELS = {
    "agree": (
        (1, _("Strongly disagree")),
        (2, _("Disagree")),
        (3, _("Neither agree nor disagree")),
        (4, _("Agree")),
        (5, _("Strongly agree")),
        (0, _("Doesn't apply")),
    ),
    "satisfied": (
        (1, _("Very dissatisfied")),
        (2, _("Dissatisfied")),
        (3, _("Neither satisfied nor dissatisfied")),
        (4, _("Satisfied")),
        (5, _("Very satisfied")),
        (0, _("Doesn't apply")),
    ),
}


@dataclass(frozen=True)
class Share:
    value: int
    label: str
    percent: int


def _question_lookup(keys: list[str]) -> dict[str, Question]:
    wanted = {}
    for key in keys:
        version, _sep, code = key.partition(":")
        wanted[(int(version.lstrip("v")), code)] = key
    out = {}
    for q in Question.objects.filter(survey__version__in={v for v, _code in wanted}).select_related(
        "survey"
    ):
        key = wanted.get((q.survey.version, q.code))
        if key:
            out[key] = q
    return out


def figures_context(agency: Agency, *, closed: dt.date, trend_months: int) -> dict:
    """What the figures sections show: the agency's latest stored release, read, not computed."""
    k = reads.k_min()
    release = latest_release(agency)
    data = release.figures if release is not None else {}
    headline = data.get("headline", {})
    measures = {m: estimate_of(v) for m, v in headline.get("measures", {}).items()}
    trust = measures.get("trust")
    labels = dict(Question._meta.get_field("pillar").choices)
    pillars = [Row(labels[p], measures.get(p)) for p in (*PILLARS, "outcome")]
    covered = _covered(headline.get("scored_blocks", []))
    categories = []
    by_category = headline.get("breakdowns", {}).get("category", {})
    for value, label in Category.choices:
        cell = by_category.get(value)
        if cell is None:
            categories.append(CategoryRow(label, None, "none", Covered(None, None, 0, 0)))
            continue
        est = estimate_of(cell.get("measures", {}).get("trust"))
        categories.append(CategoryRow(label, est, cell["status"], _covered(cell.get("blocks", []))))
    distributions = headline.get("distributions", {})
    questions = _question_lookup(list(distributions))
    items = []
    for key, question in sorted(
        questions.items(), key=lambda kv: (-kv[1].survey.version, kv[1].order)
    ):
        dist = distributions[key]
        shares = {int(v): p / 100.0 for v, p in dist["percent"].items()}
        words = SCALE_LABELS.get(question.scale, SCALE_LABELS["agree"])
        items.append(
            ItemRow(
                question,
                dist["n"],
                stacked_bar(shares, (*SCALE, DOES_NOT_APPLY)),
                [Share(v, label, dist["percent"][str(v)]) for v, label in words],
            )
        )
    trend_first = headline_range(closed, trend_months)[0]
    trend = []
    for entry in data.get("trend", []):
        block = Block(
            dt.date.fromisoformat(entry["first"]), dt.date.fromisoformat(entry["last"]), entry["n"]
        )
        if block.start < trend_first:
            continue
        change = entry.get("change") or {}
        trend.append(
            BlockRow(
                block,
                estimate_of(entry.get("trust")),
                change.get("previous"),
                change.get("year_earlier"),
                entry.get("response_rate"),
            )
        )
    points = [TrendPoint(row.block, row.trust) for row in trend if row.trust is not None]
    chart_first = points[0].block.start if points else trend_first
    comparison = data.get("comparison") or {}
    return {
        "agency": agency,
        "k": k,
        "release": release,
        "closed": release.closed_through if release else closed,
        "headline": headline,
        "covered": covered,
        "trust": trust,
        "share_positive": estimate_of(headline.get("share_positive")),
        "pillars": pillars,
        "categories": categories,
        "items": items,
        "comparison": comparison,
        "trend": trend,
        "trend_months": trend_months,
        "trend_choices": TREND_CHOICES,
        "charts": [
            ("wide", trend_chart(points, first=chart_first, last=points[-1].block.end)),
            (
                "narrow",
                trend_chart(points, first=chart_first, last=points[-1].block.end, width=360),
            ),
        ]
        if points
        else [],
        "code_days": settings.FEEDBACK_CODE_DAYS,
    }


def figures_key(agency: Agency, *, closed: dt.date, trend_months: int, generation: int) -> str:
    """The cache key of an agency's figures sections.

    The sections print the agency's stored release, which only a release run changes: new
    responses, comments and moderation never touch them. A release run or rebuild bumps
    `generation`; the next closed month, or a change of what the sections print about the agency
    (its name, whether it is a demo) changes the key too.
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
    comments = _comments_page(  # first: an out-of-range page stores nothing, not even figures
        agency,
        comments_page,
        published=sum(
            c for (state, _), c in cells.items() if state == Feedback.Moderation.PUBLISHED
        ),
    )
    return {
        "agency": agency,
        "k": k,
        "closed": closed,
        "figures_section": figures_section(agency, closed=closed, trend_months=trend_months),
        "comments": comments,
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


def page_lookup(want: PageWant) -> tuple[int | None, CachedPage | None]:
    """The agency's cache version and its page, if cached under that version: one round trip.

    Version 0 means the cache is unavailable; nothing is cached then. None means no version is
    stored yet: the caller starts one (agency_cache_version) once it knows the agency exists.
    """
    vkey = version_key(want.slug)
    try:
        found = cache.get_many([vkey, want.key])
    except Exception:  # noqa: BLE001 - a cache outage is a miss (SECURITY.md 12)
        return 0, None
    version = found.get(vkey)
    if version is None:
        return None, None
    entry = found.get(want.key)
    # The body is our own template output (a SafeString: every value was escaped when it was
    # rendered); pickling on the cache keeps that class, so nothing is marked safe by hand.
    if isinstance(entry, CachedPage) and entry.version == version:
        return version, entry
    return version, None


def page_store(
    request: HttpRequest,
    want: PageWant,
    version: int | None,
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
