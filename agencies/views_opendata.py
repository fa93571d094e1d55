"""Open-data downloads: the published figures of one agency, or of every national agency.

The files change only when a block is released (or an agency's name changes): the ETag is the
content's digest and Last-Modified the date of the newest release in the file, never the time of
the latest write (PRIVACY.md rule 9).
"""

from __future__ import annotations

import datetime as dt
import json

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_safe

from feedback.releases import current_closed_month, release_date_of
from surveys.models import Survey

from . import opendata, reads
from .models import Agency


def _agencies(slug: str | None) -> QuerySet[Agency]:
    """One published agency, or every non-demo published agency (the national files)."""
    if slug is None:
        return Agency.objects.national().order_by("slug", "pk")
    agency = get_object_or_404(Agency.objects.published(), slug=slug)
    return Agency.objects.filter(pk=agency.pk)


def _prefix(slug: str | None) -> str:
    return slug or "all-agencies"


def _serve(
    request: HttpRequest,
    content: bytes,
    *,
    released_on: dt.date | None,
    closed: dt.date,
    content_type: str,
    filename: str | None,
) -> HttpResponse:
    etag = opendata.etag_of(content)
    day = released_on or release_date_of(closed)
    timestamp = int(dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC).timestamp())
    not_modified = get_conditional_response(request, etag=etag, last_modified=timestamp)
    if not_modified is not None:
        return not_modified
    response = HttpResponse(content, content_type=content_type)
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["ETag"] = etag
    response["Last-Modified"] = http_date(timestamp)
    response["Link"] = f'<{opendata.LICENSE["path"]}>; rel="license"'
    response["X-License"] = opendata.LICENSE["name"]
    return response


def _descriptor(slug: str | None, agencies: QuerySet[Agency], bundle: opendata.Bundle) -> dict:
    title = agencies.get().name if slug else "All agencies"
    surveys = Survey.objects.order_by("version").values_list("version", "title", "introduced_on")
    return opendata.datapackage(
        name=f"open-policing-{_prefix(slug)}",
        title=f"Open Policing: {title}",
        k=reads.k_min(),
        closed=bundle.closed,
        released_on=bundle.released_on,
        surveys=list(surveys),
    )


@require_safe
def table_csv(request: HttpRequest, table: str, slug: str | None = None) -> HttpResponse:
    if table not in opendata.TABLE_NAMES:
        raise Http404
    agencies = _agencies(slug)
    closed = current_closed_month()
    bundle = opendata.bundle_of(agencies, closed=closed)
    columns = next(t.columns for t in opendata.TABLES if t.name == table)
    content = opendata.csv_text(columns, bundle.tables[table]).encode()
    return _serve(
        request,
        content,
        released_on=bundle.released_on,
        closed=closed,
        content_type="text/csv; charset=utf-8",
        filename=f"{_prefix(slug)}-{table}.csv",
    )


@require_safe
def figures_json(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    agencies = _agencies(slug)
    closed = current_closed_month()
    bundle = opendata.bundle_of(agencies, closed=closed)
    descriptor = _descriptor(slug, agencies, bundle)
    meta = {
        key: descriptor[key]
        for key in (
            "name",
            "title",
            "licenses",
            "closed_through",
            "released_on",
            "k",
            "suppression_rule",
            "surveys",
        )  # fmt: skip
    }
    meta["schema"] = "datapackage.json"
    content = opendata.json_text(bundle.tables, meta=meta).encode()
    return _serve(
        request,
        content,
        released_on=bundle.released_on,
        closed=closed,
        content_type="application/json",
        filename=f"{_prefix(slug)}-figures.json",
    )


@require_safe
def datapackage(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    agencies = _agencies(slug)
    closed = current_closed_month()
    bundle = opendata.bundle_of(agencies, closed=closed)
    descriptor = _descriptor(slug, agencies, bundle)
    content = (json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n").encode()
    return _serve(
        request,
        content,
        released_on=bundle.released_on,
        closed=closed,
        content_type="application/json",
        filename=None,
    )
