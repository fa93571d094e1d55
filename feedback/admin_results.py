"""The staff results views (FeedbackAdmin's results URLs): the stored release, nothing live."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from agencies.figures import MEASURES
from agencies.roles import staff_agency

from .models import Measure
from .results import agency_results, results_csv


def _results_or_403(request: HttpRequest):  # noqa: ANN202
    agency = staff_agency(request.user)
    if not request.user.has_perm("feedback.view_results") or agency is None:
        raise PermissionDenied
    return agency, agency_results(agency=agency)


def results_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    agency, results = _results_or_403(request)
    labels = dict(Measure.choices)
    return TemplateResponse(
        request,
        "admin/feedback/results.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": _("Results for %(agency)s") % {"agency": agency.name},
            "agency": agency,
            "results": results,
            "measures": [(m, labels.get(m, m)) for m in MEASURES],
            "breakdowns": [
                (_("By district"), results.breakdowns["district"]),
                (_("By kind of contact"), results.breakdowns["category"]),
                (_("By primary officer"), results.breakdowns["officer"]),
                (_("By language of the answers"), results.breakdowns["language"]),
            ],
        },
    )


def results_csv_view(model_admin: admin.ModelAdmin, request: HttpRequest) -> HttpResponse:
    agency, results = _results_or_403(request)
    response = HttpResponse(results_csv(results), content_type="text/csv; charset=utf-8")
    stamp = dt.date.today().isoformat()
    response["Content-Disposition"] = f'attachment; filename="results-{agency.slug}-{stamp}.csv"'
    return response
