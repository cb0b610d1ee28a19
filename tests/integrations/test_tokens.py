"""Token refresh: single-flight under a row lock, rotation persisted, permanent failure stops."""

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from integrations.adapters import get_adapter
from integrations.models import IntegrationAlert, Shop, ShopToken
from integrations.services.tokens import (
    ShopNotConnected,
    shop_api_call,
    shop_auth_get,
    shop_tokens_due_for_refresh,
    shop_tokens_reencrypt,
    shop_tokens_refresh,
    shop_tokens_store,
)
from integrations.shopee.mapping import token_pair_from_shopee
from shopee_cs.crypto import decrypt, encrypt, new_key
from tests.integrations.conftest import SHOP_MY


def _connected_shop(simulator) -> Shop:
    shop = Shop.objects.create(platform_shop_id=SHOP_MY, site="MY", name="Test Shop MY")
    issued = simulator.sim.issue_tokens(SHOP_MY)
    shop_tokens_store(shop=shop, pair=token_pair_from_shopee(issued, shop_id=SHOP_MY))
    return shop


def _expire(shop: Shop) -> None:
    ShopToken.objects.filter(shop=shop).update(
        access_expires_at=timezone.now() - timedelta(seconds=1)
    )


@pytest.mark.django_db
def test_a_valid_token_is_used_without_refreshing(simulator):
    shop = _connected_shop(simulator)
    auth = shop_auth_get(shop=shop)
    assert auth.access_token in simulator.sim.access_tokens
    assert simulator.sim.snapshot_stats()["refresh_calls"] == 0


@pytest.mark.django_db
def test_an_expired_token_is_refreshed_and_the_new_pair_persisted(simulator):
    shop = _connected_shop(simulator)
    old_refresh = decrypt(ShopToken.objects.get(shop=shop).refresh_token_encrypted)
    _expire(shop)
    auth = shop_auth_get(shop=shop)
    token = ShopToken.objects.get(shop=shop)
    assert decrypt(token.access_token_encrypted) == auth.access_token
    assert decrypt(token.refresh_token_encrypted) != old_refresh
    assert token.access_expires_at > timezone.now() and token.refresh_count == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_callers_with_an_expired_token_cause_one_refresh(simulator):
    shop = _connected_shop(simulator)
    _expire(shop)
    start = threading.Barrier(20)
    tokens, errors = [], []

    def caller():
        try:
            start.wait()
            tokens.append(shop_auth_get(shop=Shop.objects.get(pk=shop.pk)).access_token)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=caller) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert simulator.sim.snapshot_stats()["refresh_calls"] == 1
    assert len(set(tokens)) == 1 and len(tokens) == 20


@pytest.mark.django_db
def test_a_reused_refresh_token_marks_the_shop_for_reauthorization_once(simulator):
    shop = _connected_shop(simulator)
    stale = ShopToken.objects.get(shop=shop).refresh_token_encrypted
    _expire(shop)
    shop_auth_get(shop=shop)  # rotates the pair
    # Simulate a restored backup or a lost write: the old, already used refresh token is back.
    ShopToken.objects.filter(shop=shop).update(refresh_token_encrypted=stale)
    _expire(shop)
    with pytest.raises(ShopNotConnected, match="error_shop_refresh_token"):
        shop_auth_get(shop=shop)
    shop.refresh_from_db()
    assert shop.status == Shop.Status.NEEDS_REAUTH
    assert "Reconnect the shop" in shop.status_reason
    calls = simulator.sim.snapshot_stats()["refresh_calls"]
    for _ in range(3):  # no loop: later callers are refused without calling the marketplace
        with pytest.raises(ShopNotConnected):
            shop_auth_get(shop=shop)
        with pytest.raises(ShopNotConnected):
            shop_tokens_refresh(shop=shop, force=True)
    assert simulator.sim.snapshot_stats()["refresh_calls"] == calls
    assert IntegrationAlert.objects.filter(shop=shop, kind="needs_reauth").count() == 1


@pytest.mark.django_db
def test_a_retryable_failure_changes_nothing(simulator):
    shop = _connected_shop(simulator)
    before = ShopToken.objects.get(shop=shop).refresh_token_encrypted
    _expire(shop)
    simulator.sim.faults.script("auth/access_token/get", [500, 500, 500, 500, 500, 500, 500, 500])
    with pytest.raises(Exception, match=r"(?i)server"):
        shop_auth_get(shop=shop)
    shop.refresh_from_db()
    assert shop.status == Shop.Status.ACTIVE
    assert ShopToken.objects.get(shop=shop).refresh_token_encrypted == before


@pytest.mark.django_db
def test_shops_due_for_refresh_are_those_expiring_within_the_margin(simulator, settings):
    shop = _connected_shop(simulator)
    settings.TOKEN_REFRESH_MARGIN_SECONDS = 60
    assert shop_tokens_due_for_refresh() == []
    ShopToken.objects.filter(shop=shop).update(
        access_expires_at=timezone.now() + timedelta(seconds=30)
    )
    assert shop_tokens_due_for_refresh() == [shop.pk]
    Shop.objects.filter(pk=shop.pk).update(status=Shop.Status.NEEDS_REAUTH)
    assert shop_tokens_due_for_refresh() == []


@pytest.mark.django_db
def test_key_rotation_reencrypts_tokens_under_the_new_key(simulator, settings):
    shop = _connected_shop(simulator)
    plain = decrypt(ShopToken.objects.get(shop=shop).access_token_encrypted)
    old_key = settings.TOKEN_ENCRYPTION_KEYS[0]
    settings.TOKEN_ENCRYPTION_KEYS = [new_key(), old_key]
    assert shop_tokens_reencrypt() == 1
    settings.TOKEN_ENCRYPTION_KEYS = settings.TOKEN_ENCRYPTION_KEYS[:1]
    assert decrypt(ShopToken.objects.get(shop=shop).access_token_encrypted) == plain


def test_encryption_is_not_deterministic():
    assert encrypt("same") != encrypt("same")


@pytest.mark.django_db
def test_a_refused_token_is_refreshed_once_however_many_callers_report_it(simulator):
    shop = _connected_shop(simulator)
    refused = shop_auth_get(shop=shop).access_token
    simulator.sim.revoke_tokens(SHOP_MY)
    first = shop_tokens_refresh(shop=shop, refused_access_token=refused)
    second = shop_tokens_refresh(shop=shop, refused_access_token=refused)  # came in late
    assert first.access_token == second.access_token != refused
    assert simulator.sim.snapshot_stats()["refresh_calls"] == 1


@pytest.mark.django_db
def test_an_api_call_refused_for_its_token_runs_again_with_a_refreshed_one(simulator):
    shop = _connected_shop(simulator)
    simulator.sim.revoke_tokens(SHOP_MY)
    adapter = get_adapter("shopee")
    info = shop_api_call(shop=shop, call=adapter.get_shop_info)
    assert info.name == "Test Shop MY"
    assert ShopToken.objects.get(shop=shop).refresh_count == 1


@pytest.mark.django_db
def test_a_fresh_token_refused_too_means_the_shop_needs_reauthorization(simulator):
    shop = _connected_shop(simulator)
    adapter = get_adapter("shopee")
    tokens_seen = []

    def every_token_refused(auth):  # the marketplace no longer honours any token of the shop
        tokens_seen.append(auth.access_token)
        simulator.sim.revoke_tokens(SHOP_MY)
        return adapter.get_shop_info(auth)

    with pytest.raises(ShopNotConnected, match="freshly refreshed access token was refused"):
        shop_api_call(shop=shop, call=every_token_refused)
    assert len(set(tokens_seen)) == 2  # one retry with the new token, no more
    shop.refresh_from_db()
    assert shop.status == Shop.Status.NEEDS_REAUTH
    assert "invalid_acceess_token" in shop.status_reason
    assert IntegrationAlert.objects.filter(shop=shop, kind="needs_reauth").count() == 1
    with pytest.raises(ShopNotConnected):  # and later calls fail fast, calling nothing
        shop_api_call(shop=shop, call=every_token_refused)
    assert len(tokens_seen) == 2


REFRESH_PATH = "/api/v2/auth/access_token/get"


def _refresh_in_thread(shop: Shop, outcome: dict) -> threading.Thread:
    def run():
        try:
            outcome["auth"] = shop_tokens_refresh(shop=Shop.objects.get(pk=shop.pk))
        except Exception as exc:  # asserted by the test
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _wait_for_the_call(simulator, thread: threading.Thread) -> None:
    while simulator.sim.calls[REFRESH_PATH] < 1:
        assert thread.is_alive()
        thread.join(timeout=0.02)


@pytest.mark.django_db(transaction=True)
def test_a_slow_refresh_holds_no_lock_on_the_shop_or_its_tokens(simulator):
    import psycopg
    from django.db import connection

    shop = _connected_shop(simulator)
    _expire(shop)
    simulator.sim.faults.configure(delays={REFRESH_PATH: 2})
    outcome: dict = {}
    thread = _refresh_in_thread(shop, outcome)
    try:
        _wait_for_the_call(simulator, thread)
        s = connection.settings_dict
        url = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"
        with psycopg.connect(url, autocommit=True) as other:
            idle_in_transaction = other.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND state LIKE 'idle in transaction%%'"
            ).fetchone()[0]
            with other.transaction():  # NOWAIT: a row lock held anywhere fails at once
                locked = (
                    other.execute(
                        "SELECT 1 FROM integrations_shop WHERE id = %s FOR UPDATE NOWAIT",
                        [shop.pk],
                    ).fetchall()
                    + other.execute(
                        "SELECT 1 FROM integrations_shoptoken WHERE shop_id = %s FOR UPDATE NOWAIT",
                        [shop.pk],
                    ).fetchall()
                )
    finally:
        thread.join(timeout=30)
    assert (idle_in_transaction, len(locked)) == (0, 2)
    token = ShopToken.objects.get(shop=shop)
    assert decrypt(token.access_token_encrypted) == outcome["auth"].access_token
    assert (token.refresh_count, token.refreshing_until) == (1, None)


@pytest.mark.django_db(transaction=True)
def test_a_shop_deauthorized_during_a_refresh_keeps_no_token(simulator):
    from integrations.services.connect import shop_deauthorize

    shop = _connected_shop(simulator)
    _expire(shop)
    simulator.sim.faults.configure(delays={REFRESH_PATH: 2})
    outcome: dict = {}
    thread = _refresh_in_thread(shop, outcome)
    try:
        _wait_for_the_call(simulator, thread)
        # Not held up by the refresh: before, it waited on the shop's lock until the call ended.
        shop_deauthorize(platform=shop.platform, platform_shop_id=SHOP_MY, reason="revoked")
        assert thread.is_alive()
    finally:
        thread.join(timeout=30)
    assert isinstance(outcome.get("error"), ShopNotConnected)
    assert "revoked" in str(outcome["error"])
    assert not ShopToken.objects.filter(shop=shop).exists()
    assert Shop.objects.get(pk=shop.pk).status == Shop.Status.NEEDS_REAUTH


@pytest.mark.django_db
def test_refreshing_from_the_admin_says_why_it_could_not(simulator, monkeypatch):
    from django.test import Client

    from tests.factories import UserFactory, login_verified

    shop = _connected_shop(simulator)
    before = ShopToken.objects.get(shop=shop).refresh_token_encrypted
    browser = Client()
    login_verified(browser, UserFactory(is_superuser=True))

    def refresh_now():
        selected = {"action": "refresh_tokens_now", "_selected_action": [shop.pk]}
        response = browser.post("/admin/integrations/shop/", selected, follow=True)
        assert response.status_code == 200
        return [str(m) for m in response.context["messages"]]

    # Another caller holds the refresh (and does not finish while this one waits).
    monkeypatch.setattr("integrations.services.tokens.REFRESH_WAIT_SECONDS", 0)
    ShopToken.objects.filter(shop=shop).update(
        refreshing_until=timezone.now() + timedelta(minutes=1)
    )
    [busy] = refresh_now()
    assert "another caller is refreshing" in busy
    ShopToken.objects.filter(shop=shop).update(refreshing_until=None)
    simulator.sim.faults.script("auth/access_token/get", [500] * 8)
    [down] = refresh_now()
    assert "error_server" in down
    assert simulator.sim.snapshot_stats()["refresh_calls"] == 0  # none got through
    assert ShopToken.objects.get(shop=shop).refresh_token_encrypted == before
