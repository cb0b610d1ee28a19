"""client_ip: X-Forwarded-For counts only from trusted proxies, walked from the right."""

import pytest
from django.test import RequestFactory

from shopee_cs.security.ip import client_ip


@pytest.fixture
def proxies(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "127.0.0.1/32"]
    return settings


def _req(peer, xff=None):
    extra = {"REMOTE_ADDR": peer}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **extra)


def test_untrusted_peer_ignores_forwarded_for(proxies):
    assert client_ip(_req("203.0.113.9", "127.0.0.1")) == "203.0.113.9"


def test_no_trusted_proxies_configured_means_peer_only(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(_req("127.0.0.1", "198.51.100.1")) == "127.0.0.1"


def test_trusted_peer_walks_from_the_right_skipping_proxies(proxies):
    # The attacker's own leftmost entry is never taken.
    req = _req("10.0.0.2", "1.2.3.4, 198.51.100.7, 10.0.0.5")
    assert client_ip(req) == "198.51.100.7"


def test_only_trusted_hops_is_unknown(proxies):
    assert client_ip(_req("10.0.0.2", "10.0.0.3, 127.0.0.1")) is None


def test_malformed_chain_is_unknown(proxies):
    assert client_ip(_req("10.0.0.2", "198.51.100.7, not-an-ip")) is None
    assert client_ip(_req("10.0.0.2", ",".join(["198.51.100.7"] * 500))) is None


def test_normalises_mapped_v6_brackets_and_ports(proxies):
    assert client_ip(_req("::ffff:203.0.113.9")) == "203.0.113.9"
    assert client_ip(_req("10.0.0.2", "[2001:db8::1]:443")) == "2001:db8::1"
    assert client_ip(_req("10.0.0.2", "198.51.100.7:5000")) == "198.51.100.7"


def test_asgi_scope_uses_the_same_rules(proxies):
    spoofed = {"client": ("203.0.113.9", 5), "headers": [(b"x-forwarded-for", b"10.1.1.1")]}
    behind = {"client": ("10.0.0.2", 5), "headers": [(b"x-forwarded-for", b"198.51.100.7")]}
    assert client_ip(spoofed) == "203.0.113.9"
    assert client_ip(behind) == "198.51.100.7"
    assert client_ip({"headers": []}) is None
