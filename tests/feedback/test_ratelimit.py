import datetime as dt

import pytest
from django.core.cache import cache
from django.test import override_settings

from feedback import ratelimit

from .conftest import cache_dump


def test_client_address_is_remote_addr_without_trusted_proxies(rf, settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    request = rf.get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.1")
    assert ratelimit.client_address(request) == "198.51.100.7"


def test_client_address_takes_the_hop_written_by_the_outermost_trusted_proxy(rf, settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 2
    request = rf.get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7, 10.0.0.1"
    )
    assert ratelimit.client_address(request) == "198.51.100.7"


def test_forged_forwarded_for_does_not_change_the_key(rf, settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    honest = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7")
    forged = rf.get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 5.6.7.8, 198.51.100.7"
    )
    assert ratelimit.client_key(honest) == ratelimit.client_key(forged)
    settings.TRUSTED_PROXY_COUNT = 0
    plain = rf.get("/", REMOTE_ADDR="198.51.100.7")
    spoofed = rf.get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert ratelimit.client_key(plain) == ratelimit.client_key(spoofed)


def test_ipv6_clients_are_keyed_by_their_64_prefix(rf) -> None:
    a = rf.get("/", REMOTE_ADDR="2001:db8:1:2:aaaa::1")
    b = rf.get("/", REMOTE_ADDR="2001:db8:1:2:bbbb::9")
    c = rf.get("/", REMOTE_ADDR="2001:db8:1:3::1")
    assert ratelimit.client_key(a) == ratelimit.client_key(b) != ratelimit.client_key(c)


def test_client_key_is_an_hmac_that_holds_no_address_and_changes_daily(rf) -> None:
    request = rf.get("/", REMOTE_ADDR="198.51.100.7")
    key = ratelimit.client_key(request)
    assert "198.51.100.7" not in key and len(key) == 64
    assert ratelimit.daily_secret(dt.date(2026, 1, 1)) != ratelimit.daily_secret(
        dt.date(2026, 1, 2)
    )
    # The secret lives in the cache only, and every worker reading it gets the same value.
    today = dt.datetime.now(dt.UTC).date()
    assert cache.get(ratelimit.SECRET_KEY_PREFIX + today.isoformat()).encode() == (
        ratelimit.daily_secret()
    )


def test_hit_limits_after_the_rate_with_retry_after(rf, settings) -> None:
    settings.FEEDBACK_RATE_CODE = "3/h"
    request = rf.post("/")
    results = [ratelimit.hit(request, code="digest-a") for _ in range(4)]
    assert results[:3] == [None, None, None]
    assert results[3].scope == "code"
    assert 1 <= results[3].retry_after <= 3600
    assert ratelimit.hit(request, code="digest-b") is None  # other codes are counted apart


def test_cache_keys_hold_neither_address_nor_client_key(rf, settings) -> None:
    request = rf.post("/", REMOTE_ADDR="198.51.100.77")
    client = ratelimit.client_key(request)
    ratelimit.hit(request, client=client)
    dump = cache_dump()
    assert "rl-secret:" in dump and "rl:" in dump
    assert "198.51.100.77" not in dump and client not in dump


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
)
def test_unreachable_cache_raises_limiter_unavailable(rf) -> None:
    from django.core.cache import caches

    caches._settings = None  # noqa: SLF001 - make the handler re-read CACHES
    request = rf.post("/", REMOTE_ADDR="198.51.100.7")
    with pytest.raises(ratelimit.LimiterUnavailable):
        ratelimit.client_key(request)
    with pytest.raises(ratelimit.LimiterUnavailable):
        ratelimit.hit(request, code="x")
