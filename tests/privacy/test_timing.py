"""The timing channel, attacked as the agency would (PRIVACY.md rule 9).

The agency hands someone a code, watches them submit, and reads everything it can see just before
and just after: every public page of the agency, the open-data files with their headers (ETag,
Last-Modified), the staff workspace of a moderator and of an analyst, and the thank-you page's
token. If anything differs, that one submission (with its comment, and with a thank-you to the
officers) can be picked out, and with it whatever else the difference reveals.

Each comparison is shown to catch a weakened configuration: a batch's live response rate (as
staff saw it before), comments entering the queue as they arrive, and a thank-you token signed
with the time. Per-request randomness that is not data (CSRF tokens, CSP nonces, the import
page's upload token) is normalised first.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.core import signing
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from agencies.models import Agency, Membership, Officer
from feedback import views
from feedback.models import Category, CodeBatch, Feedback, ServiceCall
from feedback.moderation import comments_release
from feedback.releases import releases_derive
from feedback.services import codes_issue
from tests.factories import staff_user
from tests.feedback.conftest import survey_post

pytestmark = pytest.mark.django_db

# The flow's own pages hold a code or answer one person; they are not outputs the agency reads.
FLOW = {"feedback:survey", "feedback:thanks"}
# Addresses whose parameter is not something published: the language switch (it only sets a
# cookie and redirects, and would switch the language of the rest of the capture), and links
# carrying one person's token (password reset, subscription).
# Other views of one page: the second page of comments, the 24-month trend.
QUERIES = {"agencies:detail": ("?page=2", "?trend=24")}
PARAMETERS_NOT_READ = {
    "site:language",
    "password_reset_confirm",
    "site:subscribe_confirm",
    "site:unsubscribe",
}
# Headers a reader sees; Date is the clock, not the data.
HEADERS = (
    "ETag",
    "Last-Modified",
    "Content-Type",
    "Content-Length",
    "Content-Disposition",
    "Cache-Control",
    "Expires",
    "Vary",
)
# Per-response randomness that is not data: CSRF tokens and CSP nonces change on every request.
NOISE = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'), 'name="csrfmiddlewaretoken"'),
    (re.compile(r'nonce="[^"]*"'), 'nonce=""'),
    (re.compile(r"'nonce-[^']*'"), "'nonce-'"),
    # The import page's upload token: random per page, so progress can be polled.
    (
        re.compile(r"/servicecall/import/[A-Za-z0-9_-]{8,}/progress/"),
        "/servicecall/import/-/progress/",
    ),
    (re.compile(r'name="token" value="[A-Za-z0-9_-]{8,}"'), 'name="token"'),
]


@dataclass(frozen=True)
class Output:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: str


def _normalise(text: str) -> str:
    for pattern, replacement in NOISE:
        text = pattern.sub(replacement, text)
    return text


def _read(client: Client, url: str) -> Output:
    response = client.get(url)
    body = b"".join(response) if response.streaming else response.content
    headers = tuple(
        (h, _normalise(response[h]))
        for h in HEADERS
        if response.has_header(h)
        # never_cache sets Expires to the moment of the response: the clock, like Date.
        and not (h == "Expires" and response[h] == response.get("Date", response[h]))
    )
    return Output(response.status_code, headers, _normalise(body.decode("utf-8", "replace")))


def url_samples(agency: Agency) -> dict[str, list[str]]:
    """Values for the URL parameters of public pages and files: the agency, every open-data table."""
    from agencies.opendata import TABLE_NAMES

    return {"slug": [agency.slug], "table": list(TABLE_NAMES)}


def public_urls(agency: Agency) -> list[str]:
    """Every GET-able public address: each URL pattern outside the admin and the survey flow, with
    its parameters filled in (so new pages and files are covered automatically). A pattern with a
    parameter that has no sample fails the test rather than being left out."""
    samples = url_samples(agency)
    found: list[str] = []
    unknown: list[str] = []

    def walk(patterns: list, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin" or entry.app_name == "admin":
                    continue
                inner = entry.namespace or ""
                walk(entry.url_patterns, f"{namespace}{inner}:" if inner else namespace)
                continue
            if not isinstance(entry, URLPattern) or not entry.name:
                continue
            name = namespace + entry.name
            params = sorted(getattr(entry.pattern, "converters", {}))
            if name in FLOW or name in PARAMETERS_NOT_READ:
                continue
            if any(p not in samples for p in params):
                unknown.append(name)
                continue
            for values in itertools.product(*(samples[p] for p in params)):
                url = reverse(name, kwargs=dict(zip(params, values, strict=True)))
                found.extend([url] + [url + query for query in QUERIES.get(name, ())])

    walk(get_resolver().url_patterns, "")
    assert unknown == [], f"give these URL parameters sample values in url_samples(): {unknown}"
    return sorted(set(found))


def staff_urls(agency: Agency) -> list[str]:
    """The staff workspace: the index, every registered change list, the moderation screen of a
    comment already in the queue, and the admin's own extra pages (results and their CSV)."""
    urls = [reverse("admin:index")]
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        for pattern in model_admin.get_urls():
            if isinstance(pattern, URLPattern) and pattern.name and not pattern.pattern.converters:
                urls.append(reverse(f"admin:{pattern.name}"))
    urls.append(reverse("admin:feedback_feedback_changelist") + "?state=pending")
    released = (
        Feedback.objects.filter(agency=agency, comment_release__isnull=False)
        .filter(moderation_state=Feedback.Moderation.PENDING)
        .select_related("comment_release")
        .first()
    )
    if released is not None:
        urls.append(reverse("admin:feedback_feedback_change", args=[released.comment_release.key]))
    return sorted(set(urls))


def _drop_cached_pages() -> None:
    """Render every page afresh (a cached copy could hide a change); version counters stay."""
    from django.conf import settings
    from django.core.cache import cache

    keep = ("agency-version:", "agency-figures-generation")
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        client = cache._cache.get_client(write=True)
        for key in client.scan_iter(match=f"{settings.CACHES['default']['KEY_PREFIX']}:*"):
            if not any(k in key.decode() for k in keep):
                client.delete(key)
    else:
        with cache._lock:  # local memory: drop the entry and its expiry together
            for key in list(cache._cache):
                if not any(k in key for k in keep):
                    cache._delete(key)


@dataclass
class Agent:
    """What the agency can read: anonymously, and as its moderator and its analyst."""

    agency: Agency
    readers: dict[str, Client]

    def capture(self) -> dict[str, Output]:
        _drop_cached_pages()
        seen = {}
        public = self.readers["public"]
        for url in public_urls(self.agency):
            seen[f"public {url}"] = _read(public, url)
        for role in ("moderator", "analyst"):
            for url in staff_urls(self.agency):
                seen[f"{role} {url}"] = _read(self.readers[role], url)
        return seen


def differences(before: dict[str, Output], after: dict[str, Output]) -> list[str]:
    changed = []
    for where in sorted(before.keys() | after.keys()):
        old, new = before.get(where), after.get(where)
        if old == new:
            continue
        if old is None or new is None:
            changed.append(f"{where}: appeared or disappeared")
            continue
        parts = []
        if old.status != new.status:
            parts.append(f"status {old.status}→{new.status}")
        parts += [
            f"{h}: {a!r}→{b!r}"
            for (h, a), (_h, b) in zip(old.headers, new.headers, strict=False)
            if a != b
        ]
        if old.body != new.body:
            parts.append(_first_difference(old.body, new.body))
        changed.append(f"{where}: " + "; ".join(parts))
    return changed


def _first_difference(a: str, b: str) -> str:
    at = next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )
    return f"body differs at {at}: …{a[max(0, at - 60) : at + 40]!r} → …{b[max(0, at - 60) : at + 40]!r}"


# --- the world: Trustville with a year of results, its staff, and a code in hand ----------------


@pytest.fixture
def trustville(settings) -> Agency:
    settings.CAPTCHA_BACKEND = "none"
    settings.FEEDBACK_MIN_SECONDS = 0
    call_command("loaddata", "trustville", verbosity=0)
    releases_derive()
    comments_release()  # yesterday's batch is in the queue already
    return Agency.objects.get(slug="trustville")


@pytest.fixture
def agent(trustville: Agency) -> Agent:
    readers = {"public": Client()}
    for role in ("moderator", "analyst"):
        readers[role] = Client()
        readers[role].force_login(staff_user(trustville, getattr(Membership.Role, role.upper())))
    return Agent(agency=trustville, readers=readers)


def _codes_for_todays_calls(agency: Agency, count: int = 10) -> list[str]:
    """Codes the agency prints for calls of today (a batch of k, so a rate could be shown)."""
    officers = list(Officer.objects.filter(agency=agency)[:2])
    calls = []
    for i in range(count):
        call = ServiceCall.objects.create(
            agency=agency,
            reference=f"TIMING-{i:03d}",
            category=Category.CALL_FOR_HELP,
            occurred_on=dt.date.today(),
        )
        call.officers.set(officers)
        calls.append(call)
    _batch, issued = codes_issue(agency=agency, kind=CodeBatch.Kind.CALLS, service_calls=calls)
    return [code for code, _call in issued]


def _submit(code: str) -> str:
    """Answer the survey as a resident would, with a comment for publication and a thank-you;
    return the thank-you page's address (token included)."""
    resident = Client()
    data = survey_post(
        code,
        comment="The officer listened and explained everything. Thank you!",
        publish="publish",
        kudos="Thank you both for your patience tonight.",
    )
    response = resident.post(f"/f/{code}", data)
    assert response.status_code == 303, response.content.decode()[:3000]
    assert "/feedback/thanks/" in response["Location"]
    assert Feedback.objects.filter(comment__startswith="The officer listened and").exists()
    return response["Location"]


def _attack(agent: Agent, submit: Callable[[], object]) -> list[str]:
    before = agent.capture()
    submit()
    after = agent.capture()
    assert before, "nothing was captured"
    return differences(before, after)


# --- the attacks --------------------------------------------------------------------------------


def test_nothing_the_agency_can_see_changes_when_one_person_submits(agent: Agent) -> None:
    code = _codes_for_todays_calls(agent.agency)[0]
    location = ""

    def submit() -> None:
        nonlocal location
        location = _submit(code)

    changed = _attack(agent, submit)

    assert changed == [], "one submission is visible:\n" + "\n".join(changed)
    month = dt.date.today().replace(day=1)  # the contact was today
    assert location.endswith(f"?t={views.thanks_token(agent.agency.pk, month=month)}")


def test_the_attack_sees_a_submission_under_weakened_configurations(
    agent: Agent, monkeypatch
) -> None:
    """The same capture catches (1) a batch's live response rate, as staff saw it before, and
    (2) comments entering the queue one at a time as they arrive."""
    seen = agent.capture()
    slug = agent.agency.slug
    page = f"public /agencies/{slug}/"
    queue = "moderator /admin/feedback/feedback/?state=pending"
    batches = "/admin/feedback/codebatch/"
    assert seen[page].status == 200 and "What people said" in seen[page].body
    assert any(w.startswith(f"public /agencies/{slug}/data/") and w.endswith(".csv") for w in seen)
    assert any(w.startswith("public /open-data/") and w.endswith(".csv") for w in seen)
    assert seen[queue].status == 200
    assert any(w.startswith("moderator ") and "/change/" in w for w in seen)
    assert any(w.startswith("analyst ") and "results" in w for w in seen)
    first, second = _codes_for_todays_calls(agent.agency, count=10)[:2]

    model_admin = admin.site._registry[CodeBatch]

    def live_rate(obj: CodeBatch) -> str:
        return f"{round(100 * obj.codes.filter(redeemed=True).count() / obj.size)} %"

    monkeypatch.setattr(model_admin, "response_rate", live_rate)
    live = " ".join(_attack(agent, lambda: _submit(first)))
    monkeypatch.undo()

    def submit_and_queue_at_once() -> None:
        _submit(second)
        comments_release(include_today=True)

    at_arrival = " ".join(_attack(agent, submit_and_queue_at_once))

    assert f"moderator {batches}" in live and f"analyst {batches}" in live
    assert queue in at_arrival


# --- the thank-you token ----------------------------------------------------------------------


def _tokens_at(times: list[float], monkeypatch, agency: Agency) -> Iterator[str]:
    for moment in times:
        monkeypatch.setattr(time, "time", lambda moment=moment: moment)
        yield views.thanks_token(agency.pk)


def _decodes_to_a_time(token: str) -> bool:
    try:
        signing.loads(token, salt=views.THANKS_SALT, max_age=10**9)
    except (signing.BadSignature, ValueError):  # no timestamp in it to read
        return False
    return True


@pytest.mark.parametrize("weakened", [False, True], ids=["real", "weakened-timestamped"])
def test_the_thank_you_token_carries_no_submission_time(weakened, monkeypatch) -> None:
    from tests.factories import AgencyFactory

    agency = AgencyFactory()
    if weakened:  # the token as it was: signing.dumps stamps the second it was made
        monkeypatch.setattr(
            views, "thanks_token", lambda a: signing.dumps({"a": a}, salt=views.THANKS_SALT)
        )
    first, second = _tokens_at([1_790_000_000.0, 1_790_000_123.0], monkeypatch, agency)
    monkeypatch.undo()  # the clock again

    leaks = first != second or _decodes_to_a_time(first)
    assert leaks is weakened
    if not weakened:
        page = Client().get(f"{reverse('feedback:thanks')}?t={first}")
        assert page.status_code == 200 and agency.name in page.content.decode()
