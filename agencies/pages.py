"""The Agency Page: gather its rollups and records, compute its figures, cache the rendered body.

The rendered body is cached on the shared cache under the agency's cache version
(agencies/cache.py), so any change that bumps the version (new feedback, moderation, a public
response, a profile edit) makes every cached copy stale at once. The outer page (header, language
switch with its CSRF token) is rendered per request around the cached body.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from feedback.models import Category, Feedback
from surveys.disclosure import released_cells
from surveys.models import Question
from surveys.scoring import DOES_NOT_APPLY, SCALE, Estimate

from . import reads
from .cache import agency_cache_version
from .charts import Segment, stacked_bar, trend_chart
from .figures import PILLARS, Figures, agency_figures, closed_through, compare, headline_range
from .models import Agency

COMMENTS_PER_PAGE = 10
MODERATED_STATES = [
    Feedback.Moderation.PUBLISHED,
    Feedback.Moderation.WITHHELD,
    Feedback.Moderation.PENDING,
    Feedback.Moderation.SENSITIVE,
]
PAGE_CACHE_SECONDS = 3600  # also bounds how stale the national median in a body can be
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


def _moderation_counts(agency: Agency, k: int) -> dict | None:
    counts = (
        # An IN list (not an exclusion) lets the (agency, moderation_state) index skip the
        # responses without a comment, so the cost follows the comments, not every response.
        Feedback.objects.filter(agency=agency, moderation_state__in=MODERATED_STATES)
        .values_list("moderation_state", "withheld_reason")
        .annotate(c=Count("id"))
        .order_by()
    )
    published = withheld = pending = 0
    reasons: dict[str, int] = {}
    for state, reason, c in counts:
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


def _comments_page(agency: Agency, number: str | int | None) -> Page:
    comments = (
        Feedback.objects.comments_published()
        .filter(agency=agency)
        .select_related("public_response")
        .only("published_text", "published_on", "public_response__body")
        .order_by("-published_on", "-id")
    )
    return Paginator(comments, COMMENTS_PER_PAGE).get_page(number)


def agency_context(
    agency: Agency, *, comments_page: str | int | None, trend_months: int, today: dt.date | None
) -> dict:
    """Everything the Agency Page body shows (a fixed number of queries)."""
    k = reads.k_min()
    closed = current_closed_month(today)
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
    national = reads.national_trust(closed)
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
        "comments": _comments_page(agency, comments_page),
        "moderation": _moderation_counts(agency, k),
        "policies": list(agency.policies.all()),
        "accreditations": list(agency.accreditations.all()),
        "feedback_url": feedback_entry_url(),
        "code_days": settings.FEEDBACK_CODE_DAYS,
    }


def agency_body(
    request: HttpRequest, agency: Agency, *, comments_page: str | int | None, trend_months: int
) -> SafeString:
    """The rendered page body, from the shared cache when this version was rendered before."""
    closed = current_closed_month()
    key = ":".join(
        str(part)
        for part in (
            "agency-page",
            agency.pk,
            agency_cache_version(agency.pk),
            get_language(),
            f"{closed:%Y-%m}",
            trend_months,
            comments_page or 1,
        )
    )
    # The body is our own template output (a SafeString: every value was escaped when it was
    # rendered); pickling on the cache keeps that class, so nothing is marked safe by hand.
    body = reads.cache_get(key)
    if isinstance(body, SafeString):
        return body
    context = agency_context(
        agency, comments_page=comments_page, trend_months=trend_months, today=None
    )
    body = render_to_string("agencies/detail_body.html", context, request=request)
    reads.cache_set(key, body, PAGE_CACHE_SECONDS)
    return body
