"""Rate limits for the public site's forms, keyed without ever storing a client address.

The client key is an HMAC of the client address under a secret that rotates daily and lives only
in the shared cache (PRIVACY.md), so no counter, log or database row holds an address. The address
is REMOTE_ADDR, or the entry our own trusted proxies appended to X-Forwarded-For: a header forged
by the client never changes the key (SECURITY.md 8). Counters live in the shared cache through
django-ratelimit, so they hold across workers.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone
from django_ratelimit.core import get_usage

SECRET_TTL = 26 * 3600  # a day, plus slack for clock skew between workers


def client_address(request: HttpRequest) -> str:
    """The client address as the outermost trusted proxy saw it (REMOTE_ADDR without proxies)."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        # Each trusted proxy appends the address it received from; entries further left were
        # written by the client and are ignored.
        if len(hops) >= count:
            remote = hops[-count]
    try:
        ip = ipaddress.ip_address(remote.strip().strip("[]"))
    except ValueError:
        return "unknown"
    if ip.version == 6 and not ip.ipv4_mapped:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip.ipv4_mapped or ip) if ip.version == 6 else str(ip)


def _daily_secret() -> bytes:
    key = f"site:rl-secret:{timezone.now():%Y-%m-%d}"
    cache.add(key, secrets.token_hex(32), timeout=SECRET_TTL)  # atomic: every worker shares one
    return str(cache.get(key, "")).encode()


def client_key(group: str, request: HttpRequest) -> str:
    """django-ratelimit key function: HMAC(daily secret, client address)."""
    digest = hmac.new(_daily_secret(), client_address(request).encode(), hashlib.sha256)
    return digest.hexdigest()


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
    """Count one attempt; return how long to wait when over the limit, else None."""
    usage = get_usage(request, group=group, key=key, rate=rate, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    return max(int(usage["time_left"]), 1)
