"""Rate-limit keys: a forged X-Forwarded-For never changes them, and no address is kept in clear."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from agencies.clientkey import client_address, client_key


def _request(remote: str, forwarded: str | None = None) -> object:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_forwarded_for_is_ignored(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_address(_request("198.51.100.7", "203.0.113.9")) == "198.51.100.7"
    assert client_key("g", _request("198.51.100.7")) == client_key(
        "g", _request("198.51.100.7", "203.0.113.9, 192.0.2.1")
    )


def test_with_one_trusted_proxy_only_the_proxys_entry_counts(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    honest = _request("10.0.0.2", "203.0.113.9")
    forged = _request("10.0.0.2", "1.2.3.4, 203.0.113.9")
    assert client_address(honest) == client_address(forged) == "203.0.113.9"
    assert client_key("g", honest) == client_key("g", forged)


def test_ipv6_clients_are_keyed_by_their_64_prefix(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    one = client_key("g", _request("2001:db8:1:2::10"))
    same_household = client_key("g", _request("2001:db8:1:2:ffff::1"))
    assert one == same_household


@pytest.mark.django_db
def test_key_is_an_hmac_and_the_cache_never_holds_the_address(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    key = client_key("g", _request("198.51.100.7"))
    assert "198.51.100.7" not in key and len(key) == 64
    assert all("198.51.100.7" not in entry for entry in _cache_contents())


def _cache_contents() -> list[str]:
    """Every key and value in the test cache, as text (local memory or Redis)."""
    backend = cache._cache
    if isinstance(backend, dict):  # local memory
        return [f"{k}{v!r}" for k, v in backend.items()]
    client = backend.get_client()
    return [f"{key!r}{client.get(key)!r}" for key in client.scan_iter()]
