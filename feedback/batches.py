"""Code batches: create feedback codes for service calls or blank cards (issue 5).

The plaintext codes are returned to the caller once, to be printed or exported; only their keyed
digests are stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, District

from .codes import code_digest, generate_code, normalize_code
from .models import CodeBatch, FeedbackCode, ServiceCall

MAX_BLANK_CARDS = 500


@dataclass(frozen=True)
class IssuedCode:
    code: str  # printed form, XXXX-XXXX-XXXX-X
    district: str = ""


@dataclass(frozen=True)
class IssuedBatch:
    batch: CodeBatch
    codes: list[IssuedCode]
    skipped_sensitive: int = 0


def _expiry(days: int | None) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days or settings.FEEDBACK_CODE_DAYS)


def _new_codes(count: int) -> list[tuple[str, str]]:
    """Return (printed code, digest) pairs; retries the (astronomically unlikely) collision."""
    pairs: dict[str, str] = {}
    while len(pairs) < count:
        code = generate_code()
        digest = code_digest(normalize_code(code))
        pairs.setdefault(digest, code)
    taken = set(FeedbackCode.objects.filter(digest__in=pairs).values_list("digest", flat=True))
    fresh = [(code, digest) for digest, code in pairs.items() if digest not in taken]
    return fresh + (_new_codes(len(taken)) if taken else [])


@transaction.atomic
def code_batch_for_calls(
    *,
    agency: Agency,
    service_calls: Sequence[ServiceCall],
    created_by: AbstractBaseUser | None,
    expires_in_days: int | None = None,
) -> IssuedBatch:
    """Issue one code per selected service call of `agency`; sensitive calls never get one."""
    eligible = [c for c in service_calls if c.agency_id == agency.pk and not c.sensitive]
    skipped = len(service_calls) - len(eligible)
    batch = CodeBatch.objects.create(
        agency=agency, kind=CodeBatch.Kind.CALLS, size=len(eligible), created_by=created_by
    )
    expires_on = _expiry(expires_in_days)
    pairs = _new_codes(len(eligible))
    FeedbackCode.objects.bulk_create(
        FeedbackCode(
            digest=digest, agency=agency, service_call=call, batch=batch, expires_on=expires_on
        )
        for call, (_code, digest) in zip(eligible, pairs, strict=True)
    )
    codes = [
        IssuedCode(code, call.district.name if call.district else "")
        for call, (code, _digest) in zip(eligible, pairs, strict=True)
    ]
    return IssuedBatch(batch=batch, codes=codes, skipped_sensitive=skipped)


@transaction.atomic
def code_batch_blank(
    *,
    agency: Agency,
    count: int,
    district: District | None,
    created_by: AbstractBaseUser | None,
    expires_in_days: int | None = None,
) -> IssuedBatch:
    """Issue `count` codes for blank cards (optionally for one district of `agency`)."""
    if not 1 <= count <= MAX_BLANK_CARDS:
        raise ValueError(f"count must be 1..{MAX_BLANK_CARDS}")
    if district is not None and district.agency_id != agency.pk:
        raise ValueError("district belongs to another agency")
    batch = CodeBatch.objects.create(
        agency=agency,
        kind=CodeBatch.Kind.BLANK,
        district=district,
        size=count,
        created_by=created_by,
    )
    expires_on = _expiry(expires_in_days)
    pairs = _new_codes(count)
    FeedbackCode.objects.bulk_create(
        FeedbackCode(digest=digest, agency=agency, batch=batch, expires_on=expires_on)
        for _code, digest in pairs
    )
    name = district.name if district else ""
    return IssuedBatch(batch=batch, codes=[IssuedCode(code, name) for code, _ in pairs])
