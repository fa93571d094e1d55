from django.conf import settings
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_cookie

from . import reads
from .cache import agency_cache_version
from .models import Agency
from .pages import (
    TREND_CHOICES,
    PageWant,
    agency_body,
    current_closed_month,
    page_lookup,
    page_store,
)


def home(request: HttpRequest) -> HttpResponse:
    demo = Agency.objects.published().filter(is_demo=True).first()
    return render(request, "agencies/home.html", {"demo_agency": demo})


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 when it does not (for load balancers and Docker)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "up"})


# --- Agency pages ---------------------------------------------------------------------------

AGENCIES_PER_PAGE = 20
MAX_PAGE = 10_000


def _page_number(raw: str | None) -> int:
    """A positive page number from the query string (bounded: it is part of a cache key)."""
    try:
        return min(max(int(raw or 1), 1), MAX_PAGE)
    except ValueError:
        return 1


@require_safe
def directory(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    page = Paginator(Agency.objects.published().search(query), AGENCIES_PER_PAGE).get_page(
        _page_number(request.GET.get("page"))
    )
    trust = reads.trust_for([a.pk for a in page], current_closed_month())
    rows = [(agency, trust[agency.pk]) for agency in page]
    return render(
        request,
        "agencies/directory.html",
        {"page": page, "rows": rows, "query": query, "k": reads.k_min()},
    )


@require_safe
@vary_on_cookie  # the language can come from the django_language cookie
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    want = PageWant(
        slug=slug,
        language=get_language(),
        closed=current_closed_month(),
        trend_months=24 if request.GET.get("trend") == "24" else TREND_CHOICES[0],
        comments_page=_page_number(request.GET.get("page")),
    )
    version, cached = page_lookup(want)
    if cached is not None and cached.whole:
        return HttpResponse(cached.content)  # no query, no template: the busiest page's fast path
    agency = get_object_or_404(Agency.objects.published(), slug=slug)
    if version is None:  # only now, for an agency that exists: a bogus slug stores nothing
        version = agency_cache_version(slug)
    body = cached.content if cached is not None else None
    if body is None:
        body = agency_body(
            request, agency, comments_page=want.comments_page, trend_months=want.trend_months
        )
    context = {"agency": agency, "body": body, "language_next": want.path}
    response = render(request, "agencies/detail.html", context)
    if cached is None:
        whole = not agency.is_demo  # the demo's page carries a CSRF token for its "Try it" form
        content = response.content if whole else body
        page_store(request, want, version, whole=whole, content=content)
    return response


@require_safe
def methodology(request: HttpRequest) -> HttpResponse:
    context = {"k": reads.k_min(), "code_days": settings.FEEDBACK_CODE_DAYS}
    return render(request, "agencies/methodology.html", context)
