"""Writes that touch several models: issuing codes, submitting feedback, moderating."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from agencies.models import Agency, District

from .codes import code_digest, generate_code
from .models import CodeBatch, FeedbackCode, ServiceCall


@transaction.atomic
def codes_issue(
    *,
    agency: Agency,
    kind: str,
    count: int | None = None,
    service_calls: Sequence[ServiceCall] = (),
    district: District | None = None,
    created_by: AbstractBaseUser | None = None,
    valid_days: int | None = None,
) -> tuple[CodeBatch, list[tuple[str, ServiceCall | None]]]:
    """Create a batch of one-time codes; return it with the plaintext codes (shown once, never stored).

    With `service_calls`, one code per non-sensitive call; otherwise `count` blank codes.
    """
    calls: list[ServiceCall | None] = [c for c in service_calls if not c.sensitive]
    if not service_calls:
        calls = [None] * int(count or 0)
    expires_on = timezone.localdate() + dt.timedelta(days=valid_days or settings.FEEDBACK_CODE_DAYS)
    batch = CodeBatch.objects.create(
        agency=agency, kind=kind, size=len(calls), district=district, created_by=created_by
    )
    issued: list[tuple[str, ServiceCall | None]] = []
    for call in calls:
        for _attempt in range(5):  # a 65-bit collision is astronomically rare; retry anyway
            code = generate_code()
            try:
                with transaction.atomic():
                    FeedbackCode.objects.create(
                        digest=code_digest(code.replace("-", "")),
                        agency=agency,
                        service_call=call,
                        batch=batch,
                        expires_on=expires_on,
                    )
                break
            except IntegrityError:
                continue
        else:
            raise RuntimeError("could not generate a unique code")
        issued.append((code, call))
    return batch, issued
