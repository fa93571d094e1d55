"""Client keys for rate limits, shared by every public form, without ever storing an address.

The client key is an HMAC of the client address under a secret that rotates daily and lives only
in the shared cache (PRIVACY.md), so no counter, log or database row holds an address. The address
is REMOTE_ADDR, or the entry our own trusted proxies appended to X-Forwarded-For: a header forged
by the client never changes the key (SECURITY.md 8). Counters live in the shared cache through
django-ratelimit, so they hold across workers.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from django_ratelimit.core import get_usage

try:  # redis is optional on a laptop (local-memory cache)
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover
    RedisError = OSError  # type: ignore[misc,assignment]

SECRET_KEY_PREFIX = "rl-secret:"  # noqa: S105 - a cache key prefix
SECRET_TTL = 26 * 60 * 60  # a day, plus slack for clock skew between workers


class LimiterUnavailable(Exception):
    """The shared cache could not be reached; callers answer 503 and keep the person's input."""


def _cache():
    return caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]


def client_address(request: HttpRequest) -> str:
    """Return the client address: REMOTE_ADDR, or the hop added by the outermost trusted proxy.

    With N trusted proxies, each appends the address it received the request from to
    X-Forwarded-For, so the client is the N-th entry from the right. Anything further left was
    written by the client and is ignored, so a forged header cannot change the result. Also the
    address django-axes counts failed staff sign-ins against (AXES_CLIENT_IP_CALLABLE).
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


def client_hmac(request: HttpRequest) -> str:
    """Return HMAC(daily secret, client address): stable for a day, meaningless afterwards."""
    return hmac.new(daily_secret(), client_address(request).encode(), hashlib.sha256).hexdigest()


def client_key(group: str, request: HttpRequest) -> str:
    """django-ratelimit key function: HMAC(daily secret, client address)."""
    return client_hmac(request)


def everyone(group: str, request: HttpRequest) -> str:
    """django-ratelimit key function for a ceiling shared by all clients."""
    return "all"


def seconds_until_allowed(
    request: HttpRequest,
    *,
    group: str,
    rate: str,
    key: Callable[[str, HttpRequest], str] = client_key,
) -> int | None:
    """Count one attempt; return how long to wait when over the limit, else None.

    Raises LimiterUnavailable when the shared cache cannot be reached: callers answer 503 (the
    form kept), never a 500 and never an uncounted pass.
    """
    try:
        usage = get_usage(request, group=group, key=key, rate=rate, increment=True)
    except (RedisError, OSError) as exc:
        raise LimiterUnavailable from exc
    if usage is None or not usage["should_limit"]:
        return None
    return max(int(usage["time_left"]), 1)


# Used only while the shared cache (and so today's secret) is unreachable; dies with the process.
_PROCESS_SECRET = secrets.token_bytes(32)


def address_pseudonym(request: HttpRequest) -> str:
    """AXES_CLIENT_IP_CALLABLE: a daily pseudonym of the client address, shaped as an IPv6 address.

    Staff sign-in records (axes' AccessAttempt, AccessLog) keep HMAC(daily secret, address), the
    same key as the public rate limits, cut to 120 bits inside fd00::/8 (unique-local addresses,
    never a real client's), so axes' per-address lockout still works within the day and its
    column type still fits. Once the day's secret expires from the cache (26 h), no stored value
    can be matched to an address. With the cache down, a per-process secret is used instead.
    """
    try:
        secret = daily_secret()
    except LimiterUnavailable:
        secret = _PROCESS_SECRET
    digest = hmac.new(secret, b"staff:" + client_address(request).encode(), hashlib.sha256).digest()
    return str(ipaddress.IPv6Address(b"\xfd" + digest[:15]))
