"""The frozen release engine: blocks released once, codes capped at release, nothing changes after."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging

import pytest
from django.core.management import call_command
from django.test import override_settings

from feedback import releases, services
from feedback.models import AgencyRelease, CodeBatch, Feedback, FeedbackCode, ReleaseBlock
from feedback.releases import CodeIssueRefused, code_expiry, releases_rebuild, releases_run
from feedback.services import CodeRefused, code_check, codes_issue, feedback_submit
from surveys.models import Question, Survey
from tests.factories import AgencyFactory, ServiceCallFactory, feedback_with_answers

pytestmark = pytest.mark.django_db

MARCH = dt.date(2026, 3, 1)
# FEEDBACK_CODE_DAYS is 60 in tests: March closes on 1 April + 60 days = 31 May 2026.
MARCH_RELEASE = dt.date(2026, 5, 31)


def _agency_with_march(count: int = 40, value: int = 4):
    agency = AgencyFactory()
    codes = list(Question.objects.filter(survey__is_current=True).values_list("code", flat=True))
    for i in range(count):
        feedback_with_answers(
            agency=agency,
            interaction_month=MARCH,
            values=dict.fromkeys(codes, value if i % 2 else value - 1),
        )
    return agency


def _snapshot(agency, through: dt.date | None = None) -> str:
    blocks = list(
        ReleaseBlock.objects.filter(agency=agency).values_list(
            "first_month", "last_month", "n", "released_on", "figures"
        )
    )
    windows = AgencyRelease.objects.filter(agency=agency)
    if through is not None:
        windows = windows.filter(closed_through__lte=through)
    windows = list(windows.values_list(
        "closed_through", "figures"))  # fmt: skip
    return json.dumps([blocks, windows], default=str, sort_keys=True)


@override_settings(FEEDBACK_CODE_DAYS=60, MIN_PUBLIC_RESPONSES=10)
def test_a_block_is_released_on_the_day_its_month_closes_once_and_logged(caplog):
    agency = _agency_with_march()
    day_before = MARCH_RELEASE - dt.timedelta(days=1)
    assert releases_run(today=day_before)["blocks"] == []
    with caplog.at_level(logging.INFO, logger="openpolicing.release"):
        result = releases_run(today=MARCH_RELEASE)
    [block] = result["blocks"]
    assert (block.first_month, block.last_month, block.n) == (MARCH, MARCH, 40)
    assert block.released_on == MARCH_RELEASE
    assert f"released {agency.slug} 2026-03..2026-03 n=40" in caplog.text
    before = _snapshot(agency)
    again = releases_run(today=MARCH_RELEASE)
    assert again["blocks"] == [] and again["releases"] == []
    assert _snapshot(agency) == before
    # The command is the same run.
    call_command("release_blocks", today=MARCH_RELEASE.isoformat(), stdout=io.StringIO())
    assert _snapshot(agency) == before


@override_settings(FEEDBACK_CODE_DAYS=60, MIN_PUBLIC_RESPONSES=10)
def test_months_merge_forward_until_a_block_holds_k():
    agency = AgencyFactory()
    for month, count in ((dt.date(2026, 1, 1), 4), (dt.date(2026, 2, 1), 7)):
        for _ in range(count):
            feedback_with_answers(agency=agency, interaction_month=month)
    releases_run(today=dt.date(2026, 4, 10))  # January closed only
    assert not ReleaseBlock.objects.filter(agency=agency).exists()
    releases_run(today=dt.date(2026, 4, 30))  # February closed: 11 responses
    [block] = ReleaseBlock.objects.filter(agency=agency)
    assert (block.first_month, block.last_month, block.n) == (
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
        11,
    )


@override_settings(FEEDBACK_CODE_DAYS=60)
def test_code_expiry_is_capped_at_the_release_of_the_calls_month():
    today = dt.date(2026, 4, 10)
    assert code_expiry(
        call_month=MARCH, today=today, valid_days=365
    ) == MARCH_RELEASE - dt.timedelta(days=1)
    assert code_expiry(call_month=None, today=today, valid_days=365) == today + dt.timedelta(
        days=60
    )
    assert code_expiry(
        call_month=dt.date(2026, 4, 1), today=today, valid_days=20
    ) == today + dt.timedelta(days=20)


@override_settings(FEEDBACK_CODE_DAYS=60)
def test_issuing_refuses_a_call_whose_month_is_released_or_about_to_be(monkeypatch):
    agency = AgencyFactory()
    call = ServiceCallFactory(agency=agency, occurred_on=dt.date(2026, 3, 20), reference="CAD-9")
    monkeypatch.setattr(services.timezone, "localdate", lambda: dt.date(2026, 5, 28))
    with pytest.raises(CodeIssueRefused) as refused:
        codes_issue(agency=agency, kind=CodeBatch.Kind.CALLS, service_calls=[call])
    assert (
        "No feedback codes can be printed any more for calls in March 2026" in refused.value.message
    )
    assert "31 May 2026" in refused.value.message or "May 31, 2026" in refused.value.message
    assert refused.value.references == ["CAD-9"]
    assert not FeedbackCode.objects.exists() and not CodeBatch.objects.exists()
    # Weeks before the release the code is printed, valid until the day before it.
    monkeypatch.setattr(services.timezone, "localdate", lambda: dt.date(2026, 4, 10))
    _, [(code, _call)] = codes_issue(
        agency=agency, kind=CodeBatch.Kind.CALLS, service_calls=[call], valid_days=365
    )
    assert FeedbackCode.objects.get().expires_on == dt.date(2026, 5, 30)


def _late_response(agency, monkeypatch, today: dt.date) -> None:
    call = ServiceCallFactory(agency=agency, occurred_on=dt.date(2026, 3, 20))
    monkeypatch.setattr(services.timezone, "localdate", lambda: today)
    _, [(code, _)] = codes_issue(
        agency=agency, kind=CodeBatch.Kind.CALLS, service_calls=[call], valid_days=365
    )
    survey = Survey.objects.current()
    answers = dict.fromkeys(Question.objects.filter(survey=survey).values_list("pk", flat=True), 1)
    feedback_submit(code=code.replace("-", ""), survey=survey, answers=answers, today=today)


@override_settings(FEEDBACK_CODE_DAYS=60, MIN_PUBLIC_RESPONSES=10)
def test_weakened_a_late_code_changes_a_released_block(monkeypatch):
    """The attack of issue 11 (4): without the cap and the check, one late response moves March."""
    agency = _agency_with_march()
    releases_run(today=MARCH_RELEASE)
    before = ReleaseBlock.objects.get(agency=agency).figures
    monkeypatch.setattr(services, "code_refusal", lambda **kw: None)
    monkeypatch.setattr(services, "code_expiry", lambda **kw: kw["today"] + dt.timedelta(days=365))
    monkeypatch.setattr(services, "month_is_closed", lambda month, today: False)
    _late_response(agency, monkeypatch, dt.date(2026, 7, 1))
    releases_rebuild(agency=agency, today=dt.date(2026, 7, 1))
    after = ReleaseBlock.objects.get(agency=agency).figures
    assert after["n"] == 41 and before["n"] == 40
    assert after["measures"]["trust"] != before["measures"]["trust"]


@override_settings(FEEDBACK_CODE_DAYS=60, MIN_PUBLIC_RESPONSES=10)
def test_real_a_late_code_is_refused_and_nothing_released_changes(monkeypatch):
    agency = _agency_with_march()
    releases_run(today=MARCH_RELEASE)
    before = _snapshot(agency, through=MARCH)
    with pytest.raises(CodeIssueRefused):
        _late_response(agency, monkeypatch, dt.date(2026, 7, 1))
    # Even a code that escaped the cap (printed before it existed) is refused once its month closed.
    call = ServiceCallFactory(agency=agency, occurred_on=dt.date(2026, 3, 20))
    FeedbackCode.objects.create(digest="0" * 64, agency=agency, service_call=call,
                                expires_on=dt.date(2027, 1, 1))  # fmt: skip
    monkeypatch.setattr(services, "code_digest", lambda code: "0" * 64)
    with pytest.raises(CodeRefused) as refused:
        code_check(code="ANY", today=dt.date(2026, 7, 1))
    assert refused.value.reason == CodeRefused.EXPIRED
    releases_run(today=dt.date(2026, 7, 1))  # releases April (empty) and changes nothing else
    assert _snapshot(agency, through=MARCH) == before


@override_settings(FEEDBACK_CODE_DAYS=60, MIN_PUBLIC_RESPONSES=10)
def test_the_release_is_what_the_month_of_release_shows():
    agency = _agency_with_march()
    releases_run(today=MARCH_RELEASE)
    release = releases.latest_release(agency)
    assert release.closed_through == MARCH
    headline = release.figures["headline"]
    assert headline["n"] == 40
    assert headline["blocks"] == [{"first": "2026-03-01", "last": "2026-03-01", "n": 40}]


@override_settings(FEEDBACK_CODE_DAYS=60, MIN_PUBLIC_RESPONSES=10)
def test_officer_figures_use_the_primary_officer_only():
    """Issue 11 (6): grouped by every officer on a call, B0 (10 calls) and B1 (the same 10 plus
    one alone) differ by exactly one person. By primary officer, B1 has one call: not shown, and
    B0 is hidden with it, since the rest would otherwise be that one call."""
    from tests.factories import OfficerFactory

    agency = AgencyFactory()
    b0 = OfficerFactory(agency=agency, display_name="B0", badge_number="0")
    b1 = OfficerFactory(agency=agency, display_name="B1", badge_number="1")
    for _ in range(10):
        fb = feedback_with_answers(agency=agency, interaction_month=MARCH)
        fb.officers.add(b0)
        fb.officers.add(b1)
    feedback_with_answers(agency=agency, interaction_month=MARCH).officers.add(b1)
    for _ in range(12):
        feedback_with_answers(agency=agency, interaction_month=MARCH)
    # The weakened grouping (every officer on the call) is a difference of one person.
    through = Feedback.officers.through.objects.filter(feedback__agency=agency)
    every = {o: through.filter(officer=o).count() for o in (b0, b1)}
    assert every[b1] - every[b0] == 1
    releases_run(today=MARCH_RELEASE)
    cells = ReleaseBlock.objects.get(agency=agency).figures["breakdowns"]["officer"]["cells"]
    assert str(b1.pk) not in cells
    shown = {key: cell["n"] for key, cell in cells.items()}
    assert all(n >= 10 for n in shown.values())
    hidden = ReleaseBlock.objects.get(agency=agency).figures["breakdowns"]["officer"]["hidden"]
    assert hidden == 0 or hidden >= 10


@override_settings(FEEDBACK_CODE_DAYS=60)
def test_the_thank_you_page_names_the_month_the_answer_first_counts(client):
    from feedback.views import thanks_token

    token = thanks_token(None, month=dt.date(2026, 3, 1))
    page = client.get(f"/feedback/thanks/?t={token}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your answers count for your contact in March 2026" in page
    assert "published results in May 2026" in page  # March closes on 31 May
