"""Differencing over time: the agency issues a code for a call in a released month, answers with
it, and compares every public page and file and every staff page byte for byte.

Weakened: codes allowed after release (the refusal and the expiry cap patched out) and figures
recomputed from live data (the old engine: a rebuild after each write). Real: issuing is refused;
the agency's best try, a blank card, counts in the open month, and the daily release job runs.
"""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from agencies.models import Membership
from feedback import services
from feedback.codes import normalize_code
from feedback.models import CodeBatch
from feedback.releases import CodeIssueRefused, current_closed_month, releases_rebuild, releases_run
from surveys.disclosure import add_months
from surveys.models import Question, Survey
from tests.factories import ServiceCallFactory, staff_user

from .attacks import changed, new_response_trust
from .conftest import generated_agency
from .public import harvest
from .weakened import answered_pillars_scores

pytestmark = pytest.mark.django_db
ANSWERS = {"voice": 1, "respect": 1, "neutrality": 2, "motives": 1, "outcome": 1}


def staff_pages(agency) -> dict[str, bytes]:
    """What the agency's staff see: the workspace, results (page and file), moderation, codes."""
    client = Client()
    user = get_user_model().objects.filter(username=f"admin-{agency.slug}").first()
    client.force_login(
        user or staff_user(agency, Membership.Role.ADMIN, username=f"admin-{agency.slug}")
    )
    out = {}
    for name in ("admin:index", "admin:feedback_results", "admin:feedback_results_csv",
                 "admin:feedback_feedback_changelist", "admin:feedback_codebatch_changelist"):  # fmt: skip
        response = client.get(reverse(name), follow=True)
        assert response.status_code == 200, name
        out[name] = harvest_body(response.content)
    return out


def harvest_body(body: bytes) -> bytes:
    from .public import CSRF

    return CSRF.sub(rb"\1-\2", body)


def everything(client, agency) -> tuple[object, dict[str, bytes]]:
    public = harvest(client, agency.slug)
    return public, {**public.bodies, **staff_pages(agency)}


def submit(code: str) -> float:
    """Answer with a code as a respondent would; return that person's trust index."""
    survey = Survey.objects.current()
    questions = Question.objects.filter(survey=survey)
    answers = {q.pk: ANSWERS[q.pillar] for q in questions}
    services.feedback_submit(code=normalize_code(code), survey=survey, answers=answers)
    by_pillar: dict[str, list[int]] = {}
    for q in questions:
        by_pillar.setdefault(q.pillar, []).append(ANSWERS[q.pillar])
    return answered_pillars_scores(by_pillar)["trust"]


def released_agency():
    closed = current_closed_month()
    plan = [(add_months(closed, -1), "traffic_stop", "en", 12), (closed, "traffic_stop", "en", 11)]
    agency = generated_agency(plan, slug="over-time")
    releases_run()
    return agency, closed


def test_a_code_after_release_changes_the_figures_and_gives_the_answer_away(client, monkeypatch):
    agency, closed = released_agency()
    monkeypatch.setattr(services, "code_refusal", lambda **kwargs: None)
    monkeypatch.setattr(services, "month_is_closed", lambda *args, **kwargs: False)
    monkeypatch.setattr(services, "code_expiry",
                        lambda **kwargs: kwargs["today"] + dt.timedelta(days=365))  # fmt: skip
    call = ServiceCallFactory(agency=agency, occurred_on=closed.replace(day=12))
    _batch, [(code, _call)] = services.codes_issue(
        agency=agency, kind=CodeBatch.Kind.CALLS, service_calls=[call]
    )
    before, before_all = everything(client, agency)
    trust = submit(code)
    releases_rebuild()  # the old engine: figures follow the live data
    after, after_all = everything(client, agency)
    differences = changed(before_all, after_all)
    assert f"/agencies/{agency.slug}/data/blocks.csv" in differences
    recovered = new_response_trust(before, after)
    print(f"weakened: {len(differences)} outputs changed; recovered {recovered} (truth {trust})")
    assert recovered and all(abs(r.trust - trust) <= r.error + 0.01 for r in recovered)


def test_after_release_nothing_changes_and_nothing_is_learnt(client):
    agency, closed = released_agency()
    call = ServiceCallFactory(agency=agency, occurred_on=closed.replace(day=12))
    with pytest.raises(CodeIssueRefused):
        services.codes_issue(agency=agency, kind=CodeBatch.Kind.CALLS, service_calls=[call])
    # The agency's best try: a blank card, answered now (its month is still open).
    _batch, [(code, _none)] = services.codes_issue(
        agency=agency, kind=CodeBatch.Kind.BLANK, count=1
    )
    before, before_all = everything(client, agency)
    submit(code)
    releases_run()  # the daily release job
    after, after_all = everything(client, agency)
    assert changed(before_all, after_all) == []
    assert new_response_trust(before, after) == []
    assert len(before_all) > 20  # pages, files, the national files and five staff pages


def test_trustville_after_release_nothing_changes(client, trustville):
    releases_run()
    closed = current_closed_month()
    call = ServiceCallFactory(agency=trustville, occurred_on=closed.replace(day=20))
    with pytest.raises(CodeIssueRefused):
        services.codes_issue(agency=trustville, kind=CodeBatch.Kind.CALLS, service_calls=[call])
    _batch, [(code, _none)] = services.codes_issue(
        agency=trustville, kind=CodeBatch.Kind.BLANK, count=1
    )
    before, before_all = everything(client, trustville)
    submit(code)
    releases_run()
    after, after_all = everything(client, trustville)
    assert changed(before_all, after_all) == []
    assert new_response_trust(before, after) == []
