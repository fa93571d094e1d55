"""The Trustville demo: fresh one-time codes for visitors, and a nightly reset to the fixture state.

Demo agencies are data like any other (`Agency.is_demo`); nothing here names a town. Demo responses
never count in national figures because those are built from `Agency.objects.national()`.
"""

from __future__ import annotations

import json
import secrets
from collections import defaultdict
from pathlib import Path

from axes.models import AccessAttempt
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from agencies.cache import agency_data_changed
from agencies.models import Agency, Membership

from .codes import code_digest, generate_code, normalize_code
from .models import CodeBatch, Feedback, FeedbackCode, ServiceCall
from .moderation import comments_release
from .releases import code_expiry, code_refusal, releases_derive

DEMO_CODE_DAYS = 1  # a demo code is for trying it now, not for keeping
RECENT_CALLS = 50
DEFAULT_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "trustville.json"


class NotADemoAgency(Exception):
    """Demo codes are only ever issued for agencies marked as demos."""


@transaction.atomic
def feedback_code_issue_demo(*, agency: Agency) -> str:
    """Issue one fresh one-time code for a demo agency's recent service call; return the plaintext."""
    if not agency.is_demo:
        raise NotADemoAgency(agency.pk)
    batch = (
        CodeBatch.objects.select_for_update()
        .filter(agency=agency, kind=CodeBatch.Kind.DEMO, created_by=None)
        .order_by("-pk")
        .first()
    ) or CodeBatch.objects.create(agency=agency, kind=CodeBatch.Kind.DEMO, size=0)
    today = timezone.localdate()
    recent = [
        (pk, occurred)
        for pk, occurred in ServiceCall.objects.filter(agency=agency, sensitive=False)
        .order_by("-occurred_on", "-pk")
        .values_list("pk", "occurred_on")[:RECENT_CALLS]
        # A call whose month is released (or about to be) cannot take a code: released figures
        # never change. Without one, the code counts in the month it is answered.
        if code_refusal(call_month=occurred.replace(day=1), today=today) is None
    ]
    call = secrets.choice(recent) if recent else None
    code = generate_code()
    FeedbackCode.objects.create(
        digest=code_digest(normalize_code(code)),
        agency=agency,
        service_call_id=call[0] if call else None,
        batch=batch,
        expires_on=code_expiry(
            call_month=call[1].replace(day=1) if call else None,
            today=today,
            valid_days=DEMO_CODE_DAYS,
        ),
    )
    CodeBatch.objects.filter(pk=batch.pk).update(size=F("size") + 1)
    return code


class FixtureClash(Exception):
    """Loading the fixture would overwrite rows that do not belong to the demo agency."""


def _fixture_objects(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


def _refuse_foreign_rows(objects: list[dict]) -> None:
    # With the demo agency gone, any row still holding one of the fixture's keys belongs to
    # someone else, and loaddata would overwrite it.
    keys: dict[str, list[object]] = defaultdict(list)
    for obj in objects:
        if "pk" in obj:
            keys[obj["model"]].append(obj["pk"])
    for label, pks in keys.items():
        manager = apps.get_model(label)._default_manager
        for start in range(0, len(pks), 500):
            clash = manager.filter(pk__in=pks[start : start + 500]).values_list("pk", flat=True)[:1]
            if clash:
                raise FixtureClash(f"{label} {clash[0]} exists outside the demo agency")


@transaction.atomic
def demo_reset(*, fixture: Path | str = DEFAULT_FIXTURE) -> Agency:
    """Delete everything of the fixture's demo agencies and load the fixture again, all or nothing.

    The fixture holds the published demo agency (the first) and its unpublished sample peers.
    """
    fixture = Path(fixture)
    objects = _fixture_objects(fixture)
    agency_rows = [o for o in objects if o["model"] == "agencies.agency"]
    if not agency_rows or not all(row["fields"].get("is_demo") for row in agency_rows):
        raise FixtureClash("every agency in the fixture must be marked is_demo")
    slug = agency_rows[0]["fields"]["slug"]
    for row in agency_rows:
        old = Agency.objects.filter(slug=row["fields"]["slug"]).first()
        if old is None:
            continue
        if not old.is_demo:
            raise FixtureClash(f"agency {old.slug!r} exists and is not a demo agency")
        Feedback.objects.filter(agency=old).delete()  # Feedback protects its agency
        old.delete()  # cascades: calls, codes, batches, districts, officers, rollups, memberships
    _refuse_foreign_rows(objects)
    call_command("loaddata", str(fixture), verbosity=0)
    releases_derive()  # the stored releases of the reloaded demo agencies (deleted with them)
    comments_release()  # the sample comments reach the queue as one daily batch (moderation.py)
    agency = Agency.objects.get(slug=slug)
    demo_logins_restore(agency=agency, create=False)
    transaction.on_commit(lambda: agency_data_changed(agency.pk))
    return agency


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, password, role) of the public demo logins: a moderator and an analyst."""
    return [
        (settings.DEMO_STAFF_USERNAME, settings.DEMO_STAFF_PASSWORD, Membership.Role.MODERATOR),
        (settings.DEMO_ANALYST_USERNAME, settings.DEMO_ANALYST_PASSWORD, Membership.Role.ANALYST),
    ]


@transaction.atomic
def demo_logins_restore(*, agency: Agency, create: bool = True) -> list[tuple[str, str, str]]:
    """Put every public demo login back exactly as published: its password, no e-mail, no name,
    no second factor, no groups or extra permissions, active staff (never a superuser), one
    membership (the demo agency, its role), no sign-in lockout. Whatever a visitor changed is gone.

    `create=False` (the nightly reset) leaves logins that were never set up absent. A username
    that belongs to a superuser is left alone: an operator's account is not a demo login.
    """
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from agencies.staff_login import demo_restore, username_forget

    User = get_user_model()  # noqa: N806 - a class
    restored = []
    with demo_restore():
        for username, password, role in demo_logins():
            user = User.objects.filter(username=username).first()
            if user is None and not create:
                continue
            if user is not None and user.is_superuser:
                continue
            user = user or User(username=username)
            user.set_password(password)
            user.email = user.first_name = user.last_name = ""
            user.is_staff, user.is_active, user.is_superuser = True, True, False
            user.save()
            user.groups.clear()
            user.user_permissions.clear()
            TOTPDevice.objects.filter(user=user).delete()
            Membership.objects.filter(user=user).exclude(agency=agency).delete()
            Membership.objects.update_or_create(
                user=user, defaults={"agency": agency, "role": role}
            )
            AccessAttempt.objects.filter(username=username).delete()
            username_forget(username)
            restored.append((username, password, role))
    return restored
