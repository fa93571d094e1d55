import datetime as dt
from collections.abc import Callable, Iterator

from django.conf import settings
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_cookie

from . import exports, opendata, reads
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


# --- Open data --------------------------------------------------------------------------------


def _download(
    request: HttpRequest,
    agencies: QuerySet[Agency],
    filename: str,
    content_type: str,
    stream: Callable[[dt.date], Iterator[str]],
) -> HttpResponse:
    closed = current_closed_month()
    etag, last_modified = exports.export_validators(agencies, closed)
    timestamp = int(last_modified.timestamp())
    not_modified = get_conditional_response(request, etag=etag, last_modified=timestamp)
    if not_modified is not None:
        return not_modified
    response = StreamingHttpResponse(stream(closed), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["ETag"] = etag
    response["Last-Modified"] = http_date(timestamp)
    response["Link"] = f'<{opendata.LICENSE["path"]}>; rel="license"'
    response["X-License"] = opendata.LICENSE["name"]
    return response


def _agencies(slug: str | None) -> QuerySet[Agency]:
    """The agencies of a download: one published agency, or every non-demo published agency."""
    if slug is None:
        return Agency.objects.national().order_by("pk")
    agency = get_object_or_404(Agency.objects.published(), slug=slug)
    return Agency.objects.filter(pk=agency.pk)


def _rows(agencies: QuerySet[Agency], closed: dt.date) -> Iterator[tuple]:
    yield from exports.response_rows(agencies, closed=closed, codes=exports.question_codes())


def _prefix(slug: str | None) -> str:
    return slug or "all-agencies"


@require_safe
def responses_csv(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    agencies = _agencies(slug)
    columns = opendata.response_columns(exports.question_columns())
    return _download(
        request,
        agencies,
        f"{_prefix(slug)}-responses.csv",
        "text/csv; charset=utf-8",
        lambda closed: opendata.csv_stream(columns, _rows(agencies, closed)),
    )


@require_safe
def responses_json(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    agencies = _agencies(slug)
    columns = opendata.response_columns(exports.question_columns())
    meta = {
        "license": opendata.LICENSE,
        "license_statement": opendata.LICENSE_STATEMENT,
        "k": reads.k_min(),
        "schema": request.build_absolute_uri("datapackage.json"),
    }
    return _download(
        request,
        agencies,
        f"{_prefix(slug)}-responses.json",
        "application/json",
        lambda closed: opendata.json_stream(columns, _rows(agencies, closed), meta=meta),
    )


@require_safe
def aggregates_csv(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    agencies = _agencies(slug)

    def rows(closed: dt.date) -> Iterator[tuple]:
        for agency in agencies:
            yield from exports.aggregate_rows(agency, closed=closed)

    return _download(
        request,
        agencies,
        f"{_prefix(slug)}-aggregates.csv",
        "text/csv; charset=utf-8",
        lambda closed: opendata.csv_stream(opendata.AGGREGATE_COLUMNS, rows(closed)),
    )


@require_safe
def datapackage(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    agencies = _agencies(slug)
    title = agencies.get().name if slug else "All agencies"
    descriptor = opendata.datapackage(
        name=f"open-policing-{_prefix(slug)}",
        title=f"Open Policing: {title}",
        questions=exports.question_columns(),
        k=reads.k_min(),
    )
    response = JsonResponse(descriptor, json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Link"] = f'<{opendata.LICENSE["path"]}>; rel="license"'
    return response
