"""Rate limits for the anonymous feedback flow, kept on the shared cache.

Counters are keyed per client, per code and per agency. The client part of a key is an HMAC of
the client address with a secret that rotates daily and exists only in the cache (never on disk or
in the database), so a counter cannot be traced back to an address once the day has passed, and
nothing in the cache holds an address in clear.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from django_ratelimit.core import get_usage

try:  # redis is optional on a laptop (local-memory cache)
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover
    RedisError = OSError  # type: ignore[misc,assignment]

SECRET_KEY_PREFIX = "feedback:rl-secret:"  # noqa: S105 - a cache key prefix
SECRET_TTL = 26 * 60 * 60  # a day, plus slack for clock skew between workers

DEFAULT_RATES = {
    "client": "30/h",
    "code": "20/h",
    "agency": "600/h",
}


class LimiterUnavailable(Exception):
    """The shared cache could not be reached; callers answer 503 and keep the person's input."""


@dataclass(frozen=True)
class Limited:
    scope: str
    retry_after: int


def _cache():
    return caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]


def client_address(request: HttpRequest) -> str:
    """Return the client address: REMOTE_ADDR, or the hop added by the outermost trusted proxy.

    With N trusted proxies, each appends the address it received the request from to
    X-Forwarded-For, so the client is the N-th entry from the right. Anything further left was
    written by the client and is ignored, so a forged header cannot change the result.
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            remote = hops[-proxies]
    return _network(remote)


def _network(address: str) -> str:
    """Normalise an address; an IPv6 client is keyed by its /64, which one household holds."""
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


def daily_secret(today: datetime.date | None = None) -> bytes:
    """Return today's secret, creating it in the cache if no worker has yet (atomic add)."""
    today = today or datetime.datetime.now(datetime.UTC).date()
    key = SECRET_KEY_PREFIX + today.isoformat()
    cache = _cache()
    try:
        value = cache.get(key)
        if value is None:
            cache.add(key, secrets.token_hex(32), SECRET_TTL)
            value = cache.get(key)
    except (RedisError, OSError) as exc:
        raise LimiterUnavailable from exc
    if value is None:  # the cache dropped it at once: refuse rather than key on a guess
        raise LimiterUnavailable
    return value.encode()


def client_key(request: HttpRequest) -> str:
    """Return HMAC(daily secret, client address): stable for a day, meaningless afterwards."""
    return hmac.new(daily_secret(), client_address(request).encode(), hashlib.sha256).hexdigest()


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
