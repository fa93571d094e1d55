"""Sensitive calls: the national list, an agency's additions, and no code by any path."""

import pytest
from django.urls import reverse

from agencies.models import Membership
from agencies.sensitive import build_matcher, parse_agency_lines
from feedback.models import CodeBatch, FeedbackCode, SensitiveCallRefused
from feedback.services import codes_issue
from feedback.services_demo import feedback_code_issue_demo
from feedback.services_import import service_calls_mark_sensitive
from tests.factories import AgencyFactory, ServiceCallFactory, staff_user

NATIONAL = build_matcher("")


@pytest.mark.parametrize(
    ("call_type", "code", "kind"),
    [
        ("Domestic violence - in progress", "", "Domestic violence"),
        ("DOMESTIC/FAMILY", "", "Domestic violence"),
        ("DV - verbal only", "", "Domestic violence"),
        ("DISTURBANCE", "10-16", "Domestic violence"),
        ("10-16 DISTURBANCE", "", "Domestic violence"),
        ("Violencia doméstica", "", "Domestic violence"),
        ("Juvenile runaway", "", "Juvenile"),
        ("RUNAWAY JUV", "", "Juvenile"),
        ("Sexual assault report", "", "Sexual assault"),
        ("Child neglect", "", "Child abuse"),
        ("CHILD - POSSIBLE ABUSE", "", "Child abuse"),
        ("Death notification", "", "Death"),
        ("Notificación de fallecimiento", "", "Death"),
        ("Welfare check", "5150", "Mental-health crisis"),
        ("PSYCH EVAL", "", "Mental-health crisis"),
        ("Suicidal subject", "", "Suicide"),
        ("Human trafficking tip", "", "Human trafficking"),
        ("Restraining order violation", "", "Protective order"),
    ],
)
def test_national_list_matches_how_dispatch_names_sensitive_calls(call_type, code, kind):
    assert NATIONAL.reason(call_type, code).startswith(kind)


@pytest.mark.parametrize(
    ("call_type", "code"),
    [
        ("Traffic stop", ""),
        ("Welfare check", "WC"),
        ("Call for help", ""),
        ("Crime report", ""),
        ("Community contact", ""),
        ("Minor traffic accident", ""),
        ("THEFT REPORT", "THF"),
        ("Advice given", ""),
        ("", ""),
    ],
)
def test_ordinary_calls_are_not_sensitive(call_type, code):
    assert NATIONAL.reason(call_type, code) == ""


def test_an_agency_extends_the_list_by_keyword_prefix_code_and_pattern():
    matcher = build_matcher("noise complaint\nshelter*\ncode: 415X\nre: ^9\\d\\dS$")

    assert "your agency's list" in matcher.reason("NOISE-COMPLAINT", "")
    assert matcher.reason("Shelter visit", "")
    assert matcher.reason("Disturbance", "415x")
    assert matcher.reason("912S", "")
    assert matcher.reason("Noise", "") == ""
    assert "national list" in matcher.reason("juvenile", "")


def test_a_broken_pattern_is_refused_by_the_form_and_never_disables_the_rest():
    with pytest.raises(ValueError, match="Line 2"):
        parse_agency_lines("noise\nre: (unclosed")

    matcher = build_matcher("noise\nre: (unclosed")
    assert matcher.reason("noise", "") and matcher.reason("domestic", "")


@pytest.mark.django_db
def test_agency_admin_sees_the_national_list_and_extends_it(client):
    agency = AgencyFactory()
    client.force_login(staff_user(agency, Membership.Role.ADMIN))
    call = ServiceCallFactory(agency=agency, call_type="Noise complaint")
    url = reverse("admin:agencies_agency_change", args=[agency.pk])

    page = client.get(url).content.decode()
    assert "Human trafficking" in page and "National list of sensitive call types" in page

    form = {
        "name": agency.name,
        "city": agency.city,
        "state": agency.state,
        "timezone": agency.timezone,
        "sensitive_call_types": "re: (broken",
    }
    refused = client.post(url, form)
    assert refused.status_code == 200 and "not a valid pattern" in refused.content.decode()
    assert client.post(url, {**form, "sensitive_call_types": "noise complaint"}).status_code == 302

    call.refresh_from_db()
    assert call.sensitive


# --- no code by any path ---------------------------------------------------------------------


@pytest.fixture
def world(db):
    agency = AgencyFactory(is_demo=True, published=True)
    ordinary = ServiceCallFactory(agency=agency, call_type="Speeding")
    flagged = ServiceCallFactory(
        agency=agency, call_type="Domestic violence - in progress", sensitive=True
    )
    # Imported before the agency added "noise complaint" to its list: its flag is still False.
    stale = ServiceCallFactory(agency=agency, call_type="Noise complaint", sensitive=False)
    agency.sensitive_call_types = "noise complaint"
    agency.save()
    return agency, ordinary, flagged, stale


def test_codes_issue_skips_sensitive_calls_even_with_a_stale_flag(world):
    agency, ordinary, flagged, stale = world

    batch, issued = codes_issue(
        agency=agency, kind=CodeBatch.Kind.CALLS, service_calls=[ordinary, flagged, stale]
    )

    assert [call for _code, call in issued] == [ordinary]
    assert batch.size == 1
    assert set(FeedbackCode.objects.values_list("service_call", flat=True)) == {ordinary.pk}


def test_a_code_for_a_sensitive_call_cannot_be_created_at_all(world):
    agency, _ordinary, flagged, stale = world

    for call in (flagged, stale):
        with pytest.raises(SensitiveCallRefused):
            FeedbackCode.objects.create(
                digest=f"{call.pk:064d}", agency=agency, service_call=call, expires_on="2027-01-01"
            )
    assert not FeedbackCode.objects.exists()


def test_demo_codes_never_bind_a_sensitive_call(world):
    agency, ordinary, _flagged, _stale = world
    service_calls_mark_sensitive(agency=agency)

    for _ in range(20):
        feedback_code_issue_demo(agency=agency)

    bound = set(FeedbackCode.objects.values_list("service_call", flat=True))
    assert bound == {ordinary.pk}


@pytest.mark.django_db
@pytest.mark.parametrize("output", ["sheet", "csv"])
def test_cards_and_csv_for_selected_calls_skip_every_sensitive_call(client, world, output):
    agency, ordinary, flagged, stale = world
    client.force_login(staff_user(agency, Membership.Role.MODERATOR))
    changelist = reverse("admin:feedback_servicecall_changelist")
    data = {"action": "generate_codes", "_selected_action": [ordinary.pk, flagged.pk, stale.pk]}

    confirm = client.post(changelist, data)
    printed = client.post(
        changelist,
        {**data, "confirm": "1", "output": output, "paper": "a4", "expires_in_days": 30},
    )

    assert "2 selected calls are of a sensitive type" in confirm.content.decode()
    assert printed.status_code == 200
    assert set(FeedbackCode.objects.values_list("service_call", flat=True)) == {ordinary.pk}
    if output == "csv":
        assert len(printed.content.decode().strip().splitlines()) == 2  # header + one code


def test_marking_follows_the_list_both_ways(world):
    agency, ordinary, flagged, stale = world

    assert service_calls_mark_sensitive(agency=agency) == 1
    stale.refresh_from_db()
    assert stale.sensitive

    agency.sensitive_call_types = ""
    agency.save()
    assert service_calls_mark_sensitive(agency=agency) == 1
    stale.refresh_from_db()
    flagged.refresh_from_db()
    assert not stale.sensitive and flagged.sensitive  # the national list stays


def test_accents_are_ignored_both_ways():
    assert NATIONAL.reason("VIOLACION", "").startswith("Sexual assault")
    assert NATIONAL.reason("notificacion de fallecimiento", "").startswith("Death")
    assert build_matcher("orden de alejamiento").reason("Orden de Alejamiento", "")
    assert build_matcher("acusación").reason("ACUSACION falsa", "")


def test_the_reason_is_given_in_the_language_of_the_request():
    from django.utils import translation

    matcher = build_matcher("ruido")
    with translation.override("es"):
        assert matcher.reason("Juvenile runaway", "").startswith("Menores de edad: palabra clave")
        assert "lista de su agencia" in matcher.reason("ruido", "")
    assert matcher.reason("Juvenile runaway", "").startswith("Juvenile: keyword")
