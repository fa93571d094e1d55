"""Generated tenancy test (SECURITY.md 19–21): every registered admin, every staff role.

For each model in `admin.site._registry` and each Membership role, staff of agency A must not see,
count, pick or act on agency B's data: change list, search, list filters, add/change forms
(foreign-key and many-to-many choices), change/delete/history URLs (404), autocomplete, actions
and exports. Every record of agency B carries the marker "Zebulon", which must appear on no page
that A's staff can open.

A model registered in the admin without a maker below fails
`test_every_registered_model_has_a_maker` — add one, and the model is walked like every other.
"""

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import (
    Accreditation,
    Agency,
    AgencyInterest,
    District,
    Membership,
    Officer,
    Policy,
    Subscriber,
)
from agencies.scoping import AgencyScopedAdmin, AgencyScopedInline, agency_path
from feedback.models import (
    CodeBatch,
    Feedback,
    Kudos,
    ModerationDecision,
    PrivateComment,
    PublicResponse,
    ServiceCall,
)
from surveys.models import Question, Survey
from tests.factories import (
    AccreditationFactory,
    AgencyFactory,
    AgencyInterestFactory,
    CodeBatchFactory,
    CommentFactory,
    DistrictFactory,
    MembershipFactory,
    ModerationDecisionFactory,
    OfficerFactory,
    PolicyFactory,
    PublicResponseFactory,
    ServiceCallFactory,
    StaffUserFactory,
    SubscriberFactory,
    staff_user,
)

MARKER = "zebulon"
ROLES = [role.value for role in Membership.Role]


def _service_call(agency, name):
    district = DistrictFactory(agency=agency, name=f"{name} Heights")
    officer = OfficerFactory(agency=agency, display_name=f"{name} Officer")
    call = ServiceCallFactory(agency=agency, reference=f"{name.upper()}-001", district=district)
    call.officers.add(officer)
    return call


def _feedback(agency, name):
    return CommentFactory(
        agency=agency,
        district=DistrictFactory(agency=agency, name=f"{name} Fields"),
        comment=f"{name} comment: thanks to the officer.",
    )


def _kudos(agency, name):
    kudos = Kudos.objects.create(
        agency=agency, message=f"{name} thanks", written_on="2026-10-01", released_on="2026-10-02"
    )
    kudos.officers.add(OfficerFactory(agency=agency, display_name=f"{name} Thanked"))
    return kudos


# Records that belong to one agency: maker(agency, name) → instance.
AGENCY_MAKERS = {
    Agency: lambda agency, name: agency,
    District: lambda agency, name: DistrictFactory(agency=agency, name=f"{name} North"),
    Policy: lambda agency, name: PolicyFactory(agency=agency, title=f"{name} policy"),
    Accreditation: lambda agency, name: AccreditationFactory(agency=agency, body=f"{name} body"),
    Officer: lambda agency, name: OfficerFactory(agency=agency, display_name=f"{name} Smith"),
    Membership: lambda agency, name: MembershipFactory(
        agency=agency, user=StaffUserFactory(username=f"{name.lower()}-colleague")
    ),
    ServiceCall: _service_call,
    CodeBatch: lambda agency, name: CodeBatchFactory(
        agency=agency, district=DistrictFactory(agency=agency, name=f"{name} South")
    ),
    Feedback: _feedback,
    ModerationDecision: lambda agency, name: ModerationDecisionFactory(
        feedback=_feedback(agency, f"{name} decided"),
        moderator=StaffUserFactory(username=f"{name.lower()}-moderator"),
        text=f"{name} decided text",
    ),
    PrivateComment: lambda agency, name: PrivateComment.objects.get(
        pk=CommentFactory(
            agency=agency,
            publish_consent=False,
            moderation_state="private",
            comment=f"{name} private words",
        ).pk
    ),
    Kudos: lambda agency, name: _kudos(agency, name),
    PublicResponse: lambda agency, name: PublicResponseFactory(
        feedback=CommentFactory(
            agency=agency, moderation_state="published", published_text=f"{name} published"
        ),
        body=f"{name} response body",
    ),
}

# Operators' records (no agency): agency staff must never reach them.
GLOBAL_MAKERS = {
    AgencyInterest: lambda: AgencyInterestFactory(agency_name="Zebulon interest"),
    Subscriber: lambda: SubscriberFactory(email="zebulon@example.org"),
    Survey: lambda: Survey.objects.current(),
    Question: lambda: Question.objects.filter(survey__is_current=True).first(),
    Group: lambda: Group.objects.create(name="Zebulon group"),
    TOTPDevice: lambda: TOTPDevice.objects.create(
        user=StaffUserFactory(username="zebulon-otp"), name="Zebulon phone"
    ),
    AccessAttempt: lambda: AccessAttempt.objects.create(
        username="zebulon-guess", ip_address="192.0.2.1", user_agent="", failures_since_start=1
    ),
    AccessLog: lambda: AccessLog.objects.create(username="zebulon-log", ip_address="192.0.2.1"),
    AccessFailureLog: lambda: AccessFailureLog.objects.create(
        username="zebulon-fail", ip_address="192.0.2.1", locked_out=False
    ),
}


def _user_model():
    from django.contrib.auth import get_user_model

    return get_user_model()


GLOBAL_MAKERS[_user_model()] = lambda: StaffUserFactory(username="zebulon-operator")

REGISTERED = sorted(admin.site._registry, key=lambda m: m._meta.label)


def _id(model):
    return model._meta.label_lower


class World:
    def __init__(self):
        self.a = AgencyFactory(name="Alphaville Police", slug="alphaville")
        self.b = AgencyFactory(name="Zebulon Police", slug="zebulon")
        self.own = {}
        self.other = {}
        for model, make in AGENCY_MAKERS.items():
            self.own[model] = make(self.a, "Alpha")
            self.other[model] = make(self.b, "Zebulon")
        for model, make in GLOBAL_MAKERS.items():
            self.other[model] = make()

    def snapshot(self):
        """Every row of agency B, and every operator row, as plain values."""
        rows = {}
        for model in REGISTERED:
            path = agency_path(model)
            queryset = model._default_manager.all()
            if path is not None:
                queryset = queryset.filter(**{path: self.b.pk})
            rows[model] = sorted(map(repr, queryset.values()))
        return rows


@pytest.fixture
def world(db):
    return World()


def test_every_registered_model_has_a_maker():
    missing = [
        m._meta.label for m in REGISTERED if m not in AGENCY_MAKERS and m not in GLOBAL_MAKERS
    ]
    assert missing == [], f"add a maker for {missing} to this test"


def test_every_registered_admin_is_agency_scoped():
    unscoped = [
        type(ma).__name__
        for ma in admin.site._registry.values()
        if not isinstance(ma, AgencyScopedAdmin)
    ]
    assert unscoped == []


def test_every_inline_is_agency_scoped():
    unscoped = [
        inline.__name__
        for model_admin in admin.site._registry.values()
        for inline in model_admin.inlines
        if not issubclass(inline, AgencyScopedInline)
    ]
    assert unscoped == []


def test_models_of_one_agency_have_a_path_and_operator_models_have_none():
    assert {m for m in AGENCY_MAKERS if agency_path(m) is None} == set()
    # AgencyInterest has a nullable `agency` link; no role is ever granted it.
    assert {m for m in GLOBAL_MAKERS if agency_path(m) is not None} == {AgencyInterest}


def _url(model, name, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{name}", args=args)


def _object_url(model, obj):
    """The address of a record's own page: the change URL, unless its admin names another one
    (a comment is addressed by its batch key, never by its id: feedback/admin_moderation.py)."""
    named = getattr(admin.site._registry[model], "object_url", None)
    return named(obj) if named else _url(model, "change", obj.pk)


def _get(client, url):
    response = client.get(url)
    if response.status_code == 302 and "/login/" not in response["Location"]:
        response = client.get(response["Location"])
    return response


def _assert_no_marker(response, where):
    body = response.content.decode().lower()
    assert MARKER not in body, f"{where} shows agency B data"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model", REGISTERED, ids=_id)
def test_staff_reach_nothing_of_another_agency(client, world, model, role):
    user = staff_user(world.a, role)
    client.force_login(user)
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/admin/")
    request.user = user
    can_view = model_admin.has_view_permission(request)
    other = world.other[model]
    own = world.own.get(model)
    before = world.snapshot()

    # Change list, including a search for B's records.
    changelist = _url(model, "changelist")
    for url in (changelist, f"{changelist}?q=ebulo", f"{changelist}?q=Alpha"):
        response = _get(client, url)
        assert response.status_code == (200 if can_view else 403), url
        _assert_no_marker(response, url)
    linked = model_admin.list_display_links is not None or hasattr(model_admin, "object_url")
    if (
        can_view
        and linked
        and own is not None
        and model_admin.get_queryset(request).filter(pk=own.pk)
    ):
        assert _object_url(model, own) in _get(client, changelist).content.decode()
    if can_view:
        assert not model_admin.get_queryset(request).filter(pk=other.pk).exists()

    # Another agency's record: 404 on every object URL, for reading and for writing.
    for url in [_url(model, name, other.pk) for name in ("change", "delete", "history")] + [
        _object_url(model, other)
    ]:
        assert client.get(url).status_code == 404, url
        response = client.post(url, {"post": "yes", "action": "publish", "text": "x"})
        assert response.status_code == 404, url

    # Forms: no choice of B's records anywhere.
    if model_admin.has_add_permission(request):
        response = _get(client, _url(model, "add"))
        assert response.status_code == 200
        _assert_no_marker(response, "add form")
    if own is not None and model_admin.get_queryset(request).filter(pk=own.pk):
        response = _get(client, _object_url(model, own))
        assert response.status_code in (200, 403)
        _assert_no_marker(response, "change form")

    # Actions on B's record (selected by id, and "select all") change nothing of B.
    if can_view:
        for action in model_admin.get_actions(request):
            for extra in ({}, {"select_across": "1"}):
                response = client.post(
                    changelist,
                    {"action": action, "_selected_action": [other.pk], "index": 0, **extra},
                )
                assert response.status_code in (200, 302, 403), action
                _assert_no_marker(response, f"action {action}")

    # Exports (django-import-export) contain only the staff member's agency.
    try:
        export_url = _url(model, "export")
    except NoReverseMatch:
        export_url = None
    if export_url and can_view:
        response = client.post(export_url, {"format": "0", "export_items": [other.pk]})
        if response.status_code == 200:
            _assert_no_marker(response, "export")

    assert world.snapshot() == before, "agency B's data changed"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("model", "field"),
    [
        (m, f.name)
        for m in REGISTERED
        for f in m._meta.get_fields()
        if (f.many_to_one or f.many_to_many)
        and f.concrete
        and f.related_model in admin.site._registry
        and admin.site._registry[f.related_model].search_fields
    ],
    ids=lambda v: v if isinstance(v, str) else _id(v),
)
def test_autocomplete_offers_only_own_agency(client, world, model, field, role):
    client.force_login(staff_user(world.a, role))
    response = client.get(
        "/admin/autocomplete/",
        {
            "app_label": model._meta.app_label,
            "model_name": model._meta.model_name,
            "field_name": field,
            "term": "",
        },
    )
    assert response.status_code in (200, 403)
    _assert_no_marker(response, "autocomplete")
    if response.status_code == 200:
        ids = {int(r["id"]) for r in response.json()["results"]}
        target = model._meta.get_field(field).related_model
        path = agency_path(target)
        own = target._default_manager.filter(**{path: world.a.pk})
        allowed = set(own.values_list("pk", flat=True))
        assert ids <= allowed


@pytest.mark.parametrize("model", REGISTERED, ids=_id)
def test_operators_see_every_agency(admin_client, world, model):
    response = _get(admin_client, _url(model, "changelist"))
    assert response.status_code == 200
    other = world.other[model]
    assert _get(admin_client, _object_url(model, other)).status_code == 200


def test_agency_staff_are_never_superusers_even_if_the_flag_is_set(client, world):
    user = staff_user(world.a, Membership.Role.ANALYST)
    user.is_superuser = True
    user.save()
    client.force_login(user)
    assert client.get(_url(District, "change", world.other[District].pk)).status_code == 404
    assert MARKER not in _get(client, _url(District, "changelist")).content.decode().lower()


def test_membership_form_refuses_a_superuser(admin_client, world):
    operator = StaffUserFactory(username="root2", is_superuser=True, is_staff=True)
    response = admin_client.post(
        _url(Membership, "add"), {"user": operator.pk, "agency": world.a.pk, "role": "admin"}
    )
    assert response.status_code == 200
    assert not Membership.objects.filter(user=operator).exists()


@pytest.mark.parametrize(
    ("model", "data"),
    [
        (District, {"name": "Alpha East", "code": "E"}),
        (Policy, {"kind": "use_of_force", "title": "Alpha new policy", "summary": ""}),
        (Officer, {"badge_number": "777", "display_name": "Alpha New", "active": "on"}),
    ],
    ids=lambda v: v._meta.model_name if hasattr(v, "_meta") else "",
)
def test_agency_of_a_new_record_is_set_on_the_server(client, world, model, data):
    client.force_login(staff_user(world.a, Membership.Role.ADMIN))
    response = client.post(_url(model, "add"), {**data, "agency": world.b.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    created = model.objects.latest("pk")
    assert created.agency == world.a


def test_foreign_key_of_another_agency_is_refused(client, world):
    client.force_login(staff_user(world.a, Membership.Role.MODERATOR))
    call = world.own[ServiceCall]
    response = client.post(
        _url(ServiceCall, "change", call.pk),
        {
            "reference": call.reference,
            "category": call.category,
            "call_type": "",
            "district": world.other[District].pk,
            "occurred_on": "2026-10-05",
            "officers": [world.other[Officer].pk],
        },
    )
    assert response.status_code == 200  # form redisplayed with errors
    call.refresh_from_db()
    assert call.district != world.other[District]
    assert not call.officers.filter(agency=world.b).exists()


def test_list_filters_show_only_own_districts(client, world):
    client.force_login(staff_user(world.a, Membership.Role.MODERATOR))
    body = _get(client, _url(ServiceCall, "changelist")).content.decode()
    assert "Alpha Heights" in body
    assert MARKER not in body.lower()


def test_staff_pages_are_not_stored_by_browsers(client, world):
    client.force_login(staff_user(world.a, Membership.Role.MODERATOR))
    for url in ("/admin/", _url(Feedback, "changelist") + "?state=pending", "/admin/login/"):
        response = client.get(url)
        assert "no-store" in response["Cache-Control"], url


def test_history_of_own_record_is_visible(client, world):
    client.force_login(staff_user(world.a, Membership.Role.ADMIN))
    assert client.get(_url(District, "history", world.own[District].pk)).status_code == 200


def test_view_on_site_shortcut_does_not_resolve_another_agencys_record(client, world, monkeypatch):
    from django.contrib.contenttypes.models import ContentType

    monkeypatch.setattr(Agency, "get_absolute_url", lambda self: f"/agencies/{self.slug}/")
    client.force_login(staff_user(world.a, Membership.Role.ADMIN))
    agency_type = ContentType.objects.get_for_model(Agency)

    other = client.get(f"/admin/r/{agency_type.pk}/{world.b.pk}/")
    own = client.get(f"/admin/r/{agency_type.pk}/{world.a.pk}/")

    assert other.status_code == 404
    assert own.status_code == 302 and own["Location"].endswith("/alphaville/")
