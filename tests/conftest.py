import pytest


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Each test starts with an empty cache namespace (lockout, throttles, single-flight).

    Only this worker's keys are deleted: `cache.clear()` is FLUSHDB, which would also wipe the
    channel-layer groups of sockets that other xdist workers (and the browser tests' daphne
    server) hold open in the same Redis database.
    """
    from django.conf import settings
    from django.core.cache import cache

    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)
    yield


@pytest.fixture
def fake_market(monkeypatch):
    """A second marketplace registered beside Shopee (tests/fake_market.py)."""
    from integrations.adapters import ADAPTERS
    from tests import fake_market

    monkeypatch.setitem(ADAPTERS, fake_market.PLATFORM, "tests.fake_market:FakeMarketAdapter")
    fake_market.FakeMarketAdapter.lost.clear()
    fake_market.FakeMarketAdapter.auths.clear()
    return fake_market


@pytest.fixture(autouse=True)
def _no_marketplace_call_inside_a_transaction(monkeypatch):
    """Every outbound call in every test fails if the calling thread has a transaction open
    (other than the test's own): a lock or a connection held through a marketplace call stalls
    whoever waits on it (docs/pipeline.md)."""
    from django.db import connections

    from shopee_cs import http

    send = http.request

    def guarded(method, url, **kwargs):
        for conn in connections.all(initialized_only=True):
            if any(not block._from_testcase for block in conn.atomic_blocks):
                raise AssertionError(f"{method} {url} called inside a transaction")
        return send(method, url, **kwargs)

    monkeypatch.setattr(http, "request", guarded)
