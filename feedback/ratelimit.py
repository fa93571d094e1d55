"""Rate limits for the anonymous feedback flow, kept on the shared cache.

Counters are keyed per client, per code and per agency. The client part of a key is an HMAC of
the client address with a secret that rotates daily and exists only in the cache (never on disk or
in the database), so a counter cannot be traced back to an address once the day has passed, and
nothing in the cache holds an address in clear.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

# One implementation of the client address and its daily-keyed HMAC serves every public form.
from agencies.clientkey import (  # noqa: F401 - re-exported for the feedback views and tests
    SECRET_KEY_PREFIX,
    LimiterUnavailable,
    RedisError,
    client_address,
    daily_secret,
)
from agencies.clientkey import client_hmac as client_key  # noqa: F401 - used by views and tests

DEFAULT_RATES = {
    "client": "30/h",
    "code": "20/h",
    "agency": "600/h",
    # Submissions without the proof of work (no JavaScript, or a bot that skips it): see views.
    "unproven_client": "5/h",
    "unproven_agency": "120/h",
}


@dataclass(frozen=True)
class Limited:
    scope: str
    retry_after: int


def _rate(scope: str) -> str:
    return getattr(settings, f"FEEDBACK_RATE_{scope.upper()}", None) or DEFAULT_RATES[scope]


def hit(request: HttpRequest, **values: str) -> Limited | None:
    """Count one attempt in each scope given (client=..., code=..., agency=...).

    Each value must already be non-identifying (an HMAC or a digest). Returns the most restrictive
    limit that is exceeded, or None. Raises LimiterUnavailable if the cache is down.
    """
    worst: Limited | None = None
    for scope, value in values.items():
        try:
            usage = get_usage(
                request,
                group=f"feedback.{scope}",
                key=lambda _group, _request, v=value: v,
                rate=_rate(scope),
                increment=True,
            )
        except (RedisError, OSError) as exc:
            raise LimiterUnavailable from exc
        if usage is None or not usage["should_limit"]:
            continue
        if usage["limit"] == 0:
            # django-ratelimit could not count (the key expired between add and incr): a rare
            # race, not an outage; an unreachable cache raises above instead.
            continue
        retry = max(int(usage["time_left"]), 1)
        if worst is None or retry > worst.retry_after:
            worst = Limited(scope=scope, retry_after=retry)
    return worst
