"""Rate limits for the anonymous feedback flow, kept on the shared cache.

Counters are keyed per client, per code and per agency. The client part of a key is an HMAC of
the client address with a secret that rotates daily and exists only in the cache (never on disk or
in the database), so a counter cannot be traced back to an address once the day has passed, and
nothing in the cache holds an address in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
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


logger = logging.getLogger(__name__)

# While the shared cache is unreachable, code lookups are counted in this process instead (the
# limit then holds per worker, not across workers: weaker, but never uncounted). The process's own
# random secret keys the client, so this fallback holds no address either, and dies with the worker.
_FALLBACK = LocMemCache(
    "feedback-ratelimit-fallback", {"TIMEOUT": 3600, "OPTIONS": {"MAX_ENTRIES": 20_000}}
)
_FALLBACK_SECRET = secrets.token_bytes(32)
_RATE = re.compile(r"^(\d+)/(\d*)([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def _split_rate(rate: str) -> tuple[int, int]:
    match = _RATE.match(rate.strip())
    if match is None:
        raise ValueError(f"not a rate: {rate!r}")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _UNIT_SECONDS[unit]


def _local_hit(**values: str) -> Limited | None:
    worst: Limited | None = None
    now = time.time()
    for scope, value in values.items():
        limit, period = _split_rate(_rate(scope))
        window = int(now // period)
        key = f"{scope}:{value}:{window}"
        _FALLBACK.add(key, 0, period)
        count = _FALLBACK.incr(key)
        if count > limit:
            retry = max(int(period - now % period), 1)
            if worst is None or retry > worst.retry_after:
                worst = Limited(scope=scope, retry_after=retry)
    return worst


def lookup_hit(request: HttpRequest, digest: str) -> Limited | None:
    """Count one code lookup (entry form, /f/<code> link) per client and per code.

    A lookup is never uncounted: with the shared cache down, it is counted in this process
    (see _FALLBACK) and the person can still open their survey; submissions are refused instead.
    """
    try:
        return hit(request, client=client_key(request), code=digest)
    except LimiterUnavailable:
        logger.warning("shared cache unavailable: code lookups counted per process")
        client = hmac.new(
            _FALLBACK_SECRET, client_address(request).encode(), hashlib.sha256
        ).hexdigest()
        return _local_hit(client=client, code=digest)
