"""The demo's "Try it" button: a fresh one-time code for the demo agency, then the real survey."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from agencies.clientkey import LimiterUnavailable, everyone, seconds_until_allowed
from agencies.hostile_input import cache_unavailable_page
from agencies.site_views import demo_agency, too_many_requests

from .services_demo import feedback_code_issue_demo

PER_CLIENT = "10/h"
ALL_CLIENTS = "600/h"  # a ceiling on the codes the demo hands out, whoever asks


@require_POST
def demo_try(request: HttpRequest) -> HttpResponse:
    try:
        wait = seconds_until_allowed(
            request, group="demo:try", rate=PER_CLIENT
        ) or seconds_until_allowed(request, group="demo:try:all", rate=ALL_CLIENTS, key=everyone)
    except LimiterUnavailable:
        return cache_unavailable_page(request)  # no code is handed out uncounted
    if wait:
        return too_many_requests(request, wait)
    agency = demo_agency()
    if agency is None:
        raise Http404
    code = feedback_code_issue_demo(agency=agency)
    return redirect("feedback:survey", raw_code=code)
