"""The hostile-input walk (SECURITY.md 32): every URL pattern, every role, hostile values, no 500.

URL patterns are read from the URLconf, so a new page is walked without editing this file. Each
pattern is requested with real ids (so views get past their lookups), then with hostile values in
its path segments, in every query parameter it might read (generic ones plus each admin
changelist's own filters, date drill-down, search and ordering), and in every field of the forms
its page shows (or of a default set for POST-only views). Hostile values: a NUL byte, numbers
that overflow 64-bit and date arithmetic, a 100 kB string, invalid UTF-8. The walk runs for
anonymous visitors and for each staff role and the operator, with the shared cache up (the real
Redis when CACHE_URL points at one) and down (a cache on a closed port).

Sampling keeps it fast: anonymous visitors get every hostile kind on every public page; staff
roles get one kind per pattern and step, rotated so that across patterns every kind reaches
every step. Any 5xx other than a deliberate 503 for an unreachable cache fails the test with the
list of requests that produced it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver

from agencies.models import Membership
from feedback.models import Feedback
from tests.factories import (
    AccreditationFactory,
    AgencyFactory,
    AgencyInterestFactory,
    CodeBatchFactory,
    DistrictFactory,
    FeedbackCodeFactory,
    ModerationDecisionFactory,
    OfficerFactory,
    PolicyFactory,
    PublicResponseFactory,
    ServiceCallFactory,
    SubscriberFactory,
    feedback_with_answers,
    staff_user,
)

pytestmark = pytest.mark.django_db

CODE = "7KQ2-M9XD-4HPB-R"
# Already percent-encoded where needed: they go into URLs and bodies as they are.
HOSTILE = {
    "nul": "%00",
    "overflow": "99999999999",  # the year that overflowed the admin's date drill-down
    "int64": "9" * 40,
    "long": "A" * 100_000,
    "utf8": "%ff%fe%c3%28",
}
KINDS = list(HOSTILE)
GENERIC_QUERY = ["q", "page", "trend", "next", "t", "o", "p", "e", "_changelist_filters", "code"]
DEFAULT_FIELDS = ["username", "password", "code", "email", "comment", "token", "language", "next"]
REDIS_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    },
    "template_fragments": django_settings.CACHES["template_fragments"],
}
_PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>|\(\?P<(?P<rname>\w+)>(?P<body>[^)]*)\)")
_FIELD = re.compile(r"<(?:input|select|textarea)\b[^>]*\bname=\"([^\"]+)\"[^>]*>", re.IGNORECASE)
_FILE_INPUT = re.compile(r"type=\"(?:file|submit|button|image)\"", re.IGNORECASE)


@dataclass(frozen=True)
class Pattern:
    route: str
    name: str | None

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")

    @property
    def params(self) -> list[str]:
        return [m.group("name") or m.group("rname") for m in _PARAM.finditer(self.route)]


def url_patterns() -> list[Pattern]:
    def walk(resolver: URLResolver, prefix: str) -> Iterator[Pattern]:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                yield from walk(entry, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                yield Pattern(prefix + str(entry.pattern), entry.name)

    found = list(walk(get_resolver(), ""))
    # Deletions last, so a confirmed delete does not hide the objects from the other pages.
    return sorted(found, key=lambda p: (p.name or "").endswith("_delete"))


def fill(pattern: Pattern, values: dict[str, str]) -> str:
    """The pattern's route with each parameter replaced (regex parts take their first option)."""

    def one(match: re.Match[str]) -> str:
        name = match.group("name") or match.group("rname")
        if name in values:
            return values[name]
        body = match.group("body")
        return body.split("|")[0] if body and "|" in body else "x"

    path = _PARAM.sub(one, pattern.route).replace("^", "").replace("$", "")
    return "/" + path


def admin_model(pattern: Pattern):
    """The model a ModelAdmin URL belongs to (from its name: app_model_action), or None."""
    if not pattern.is_admin or not pattern.name:
        return None
    for model in admin.site._registry:
        if pattern.name.startswith(f"{model._meta.app_label}_{model._meta.model_name}_"):
            return model
    return None


def admin_query_names(model) -> list[str]:
    """Query parameters an admin changelist reads: its filters, date drill-down, search, ordering."""
    model_admin = admin.site._registry[model]
    names = ["q", "o", "p", "e", "all", "_to_field", "_popup"]
    for item in model_admin.list_filter:
        field = item[0] if isinstance(item, tuple) else item
        if isinstance(field, str):
            names += [field, f"{field}__exact", f"{field}__id__exact", f"{field}__isnull"]
        elif hasattr(field, "parameter_name"):
            names.append(field.parameter_name)
    if model_admin.date_hierarchy:
        names += [f"{model_admin.date_hierarchy}__{part}" for part in ("year", "month", "day")]
    return names


@pytest.fixture
def world():
    """One agency with one of everything the pages look up, and a user for each role."""
    agency = AgencyFactory(slug="eastport")
    district = DistrictFactory(agency=agency)
    officer = OfficerFactory(agency=agency)
    PolicyFactory(agency=agency)
    AccreditationFactory(agency=agency)
    call = ServiceCallFactory(agency=agency, district=district, occurred_on=dt.date(2026, 9, 3))
    call.officers.add(officer)
    batch = CodeBatchFactory(agency=agency)
    FeedbackCodeFactory(code=CODE, agency=agency, batch=batch, service_call=call)
    feedback = feedback_with_answers(
        agency=agency,
        district=district,
        comment="They listened.",
        publish_consent=True,
        moderation_state=Feedback.Moderation.PUBLISHED,
        published_text="They listened.",
    )
    ModerationDecisionFactory(feedback=feedback)
    PublicResponseFactory(feedback=feedback)
    AgencyInterestFactory()
    SubscriberFactory()
    users = {role: staff_user(agency, role) for role in Membership.Role.values}
    users["operator"] = get_user_model().objects.create_superuser("operator", "", "x" * 20)
    return {"agency": agency, "users": users}


def valid_values(pattern: Pattern, world: dict) -> dict[str, str]:
    model = admin_model(pattern)
    values = {
        "slug": world["agency"].slug,
        "code": "es",
        "raw_code": CODE,
        "token": "x1",
        "uidb64": "MQ",
        "app_label": "feedback",
        "content_type_id": str(ContentType.objects.get_for_model(world["agency"]).pk),
        "url": "nothing-here/",
    }
    target = model or apps.get_model("agencies", "agency")
    first = target._default_manager.order_by("pk").values_list("pk", flat=True).first()
    values["object_id"] = values["pk"] = values["id"] = str(first or 1)
    return values


def query(names: list[str], value: str) -> str:
    return "&".join(f"{quote(n)}={value}" for n in names)


def body(names: list[str], value: str) -> bytes:
    return query(names, value).encode("latin-1", "replace")


def form_fields(html: str) -> list[str]:
    if 'method="post"' not in html.lower():
        return []
    names = []
    for match in _FIELD.finditer(html):
        if not _FILE_INPUT.search(match.group(0)) and match.group(1) not in names:
            names.append(match.group(1))
    return names


STEPS = ["query", "path", "form"]
# Every (kind, step) pair, in an order where consecutive patterns differ in both.
ROTATION = [
    (kind, step) for i, kind in enumerate(KINDS) for step in STEPS[i % 3 :] + STEPS[: i % 3]
]


class Walk:
    """Requests for one client. `every_kind`: each step with every hostile kind (public pages);
    otherwise one (kind, step) pair per pattern, rotating, so every pair recurs across patterns."""

    def __init__(
        self, client: Client, *, every_kind: bool, cache_down: bool, valid_first: bool = True
    ) -> None:
        self.client = client
        self.every_kind = every_kind
        self.cache_down = cache_down
        self.valid_first = valid_first
        self.failures: list[str] = []
        self.requests = 0
        self._rotation = itertools.cycle(ROTATION)

    def plan(self, pattern: Pattern) -> list[tuple[str, str]]:
        if self.every_kind:
            return [(kind, step) for step in STEPS for kind in KINDS]
        kind, step = next(self._rotation)
        if step == "path" and not pattern.params:
            step = "query"
        return [(kind, step)]

    def check(self, method: str, path: str, response) -> None:
        self.requests += 1
        status = response.status_code
        if status >= 500 and not (status == 503 and self.cache_down):
            self.failures.append(f"{status} {method} {path[:160]}")

    def get(self, path: str):
        response = self.client.get(path)
        self.check("GET", path, response)
        return response

    def post(self, path: str, names: list[str], value: str) -> None:
        response = self.client.post(
            path, body(names, value), content_type="application/x-www-form-urlencoded"
        )
        self.check("POST", f"{path} [{','.join(names)[:60]}]", response)

    def pattern(self, pattern: Pattern, world: dict) -> None:
        url = fill(pattern, valid_values(pattern, world))
        html = self.valid_page(url) if self.valid_first else ""
        model = admin_model(pattern)
        names = GENERIC_QUERY + (admin_query_names(model) if model else [])
        for kind, step in self.plan(pattern):
            value = HOSTILE[kind]
            if step == "query":
                # 100 kB goes into two parameters, not all: the query string stays ~200 kB.
                self.get(f"{url}?{query(names[:2] if kind == 'long' else names, value)}")
            elif step == "path" and pattern.params:
                self.get(fill(pattern, dict.fromkeys(pattern.params, value)))
            elif step == "form" and pattern.name != "logout":  # signing out ends the walk
                fields = form_fields(html) or DEFAULT_FIELDS
                # Under DATA_UPLOAD_MAX_MEMORY_SIZE, so the fields reach the forms.
                self.post(url, fields[:2] if kind == "long" else fields, value)

    def valid_page(self, url: str) -> str:
        page = self.get(url)
        if getattr(page, "streaming", False):
            try:
                b"".join(page.streaming_content)  # a download fails while it streams, if at all
            except Exception as error:  # noqa: BLE001 - reported as a failure of the walk
                self.failures.append(f"stream {type(error).__name__} GET {url}")
            return ""
        return page.content.decode(errors="replace") if page.status_code == 200 else ""


def walk(
    client: Client,
    world: dict,
    *,
    admin_pages: bool,
    every_kind: bool,
    cache_down: bool,
    valid_first: bool = True,
) -> Walk:
    run = Walk(client, every_kind=every_kind, cache_down=cache_down, valid_first=valid_first)
    for pattern in url_patterns():
        if pattern.is_admin == admin_pages:
            run.pattern(pattern, world)
    return run


def signed_in(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def assert_walked(run: Walk, least: int) -> None:
    assert run.requests >= least, f"only {run.requests} requests: the URLconf walk found too little"
    assert run.failures == [], "\n".join(run.failures)


def test_url_patterns_are_read_from_the_urlconf():
    names = {p.name for p in url_patterns()}
    assert {"detail", "survey", "subscribe", "demo_try", "feedback_feedback_changelist"} <= names
    assert len(names) > 100


@pytest.mark.parametrize("cache_down", [False, True], ids=["redis-up", "redis-down"])
def test_public_pages_never_answer_500_to_hostile_input(world, cache_down):
    with override_settings(**({"CACHES": REDIS_DOWN} if cache_down else {})):
        run = walk(
            Client(raise_request_exception=False),
            world,
            admin_pages=False,
            every_kind=True,
            cache_down=cache_down,
        )
    assert_walked(run, least=350)


@pytest.mark.parametrize("role", ["anonymous", *Membership.Role.values, "operator"])
def test_admin_pages_never_answer_500_to_hostile_input_for_any_role(world, role):
    anonymous = role == "anonymous"
    client = Client(raise_request_exception=False) if anonymous else signed_in(world["users"][role])
    # Anonymous visitors only ever reach the sign-in page: no valid request first.
    run = walk(
        client,
        world,
        admin_pages=True,
        every_kind=False,
        cache_down=False,
        valid_first=not anonymous,
    )
    assert_walked(run, least=120 if anonymous else 250)


def test_admin_pages_never_answer_500_with_redis_down(world):
    client = signed_in(world["users"]["operator"])
    with override_settings(CACHES=REDIS_DOWN):
        run = walk(
            client, world, admin_pages=True, every_kind=False, cache_down=True, valid_first=False
        )
    assert_walked(run, least=120)
