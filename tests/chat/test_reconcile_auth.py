"""A shop whose access token dies before its expiry: reconciliation refreshes it once and goes
on; when the refresh is refused too, the shop needs re-authorization at once, with one alert and
the error on its sync state, and nothing calls the marketplace for it again."""

import pytest
import requests

from chat.models import Message, ShopSyncState
from chat.services.pipeline.reconcile import shop_reconcile, shops_due_for_reconcile
from chat.tasks import shop_reconcile_task
from integrations.models import IntegrationAlert, Shop, ShopToken
from integrations.services.tokens import ShopNotConnected
from integrations.shopee.simulator import buyer_message, cancel_authorization
from tests.chat.conftest import SHOP_ID

pytestmark = pytest.mark.django_db


def _revoke(simulator, *, refresh: bool = False) -> dict:
    """The simulator's knob, over HTTP as an operator would use it."""
    resp = requests.post(
        simulator.base_url + "/__sim__/tokens/revoke",
        json={"shop_id": SHOP_ID, "refresh": refresh},
        timeout=5,
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


def _calls(simulator) -> int:
    return sum(simulator.sim.snapshot_stats()["calls"].values())


def test_a_revoked_access_token_is_refreshed_once_and_the_sync_goes_on(simulator, shop):
    first = buyer_message(simulator.sim, shop_id=SHOP_ID, buyer_id=7001, text="hello")
    assert _revoke(simulator)["access_tokens_revoked"] == 1

    result = shop_reconcile(shop=shop)

    assert result.complete
    assert list(Message.objects.values_list("platform_message_id", flat=True)) == [
        first["message_id"]
    ]
    assert simulator.sim.snapshot_stats()["refresh_calls"] == 1
    assert ShopToken.objects.get(shop=shop).refresh_count == 1
    shop.refresh_from_db()
    assert shop.status == Shop.Status.ACTIVE
    assert ShopSyncState.objects.get(shop=shop).last_error == ""
    assert not IntegrationAlert.objects.exists()


def test_when_the_refresh_is_refused_too_the_shop_needs_reauthorization_at_once(simulator, shop):
    buyer_message(simulator.sim, shop_id=SHOP_ID, buyer_id=7002, text="anyone there?")
    _revoke(simulator, refresh=True)  # the pair was refreshed by another system

    with pytest.raises(ShopNotConnected):
        shop_reconcile(shop=shop)

    shop.refresh_from_db()
    assert shop.status == Shop.Status.NEEDS_REAUTH
    assert "error_shop_refresh_token" in shop.status_reason
    [alert] = IntegrationAlert.objects.filter(shop=shop, resolved_at__isnull=True)
    assert alert.kind == IntegrationAlert.Kind.NEEDS_REAUTH
    assert alert.message == shop.status_reason
    state = ShopSyncState.objects.get(shop=shop)
    assert state.last_error.startswith("Needs re-authorization")
    assert "error_shop_refresh_token" in state.last_error
    assert simulator.sim.snapshot_stats()["refresh_calls"] == 1
    assert not Message.objects.exists()

    # No loop: beat no longer picks the shop, and a run already queued calls nothing.
    assert shop.pk not in shops_due_for_reconcile()
    calls = _calls(simulator)
    shop_reconcile_task(shop.pk)
    assert _calls(simulator) == calls
    assert IntegrationAlert.objects.filter(shop=shop).count() == 1


def test_refresh_then_refusal_in_sequence(simulator, shop):
    """The two halves on one shop: a first revocation is healed, a later one is not."""
    _revoke(simulator)
    shop_reconcile(shop=shop)
    _revoke(simulator, refresh=True)
    with pytest.raises(ShopNotConnected):
        shop_reconcile(shop=shop)
    shop.refresh_from_db()
    assert shop.status == Shop.Status.NEEDS_REAUTH
    assert simulator.sim.snapshot_stats()["refresh_calls"] == 2
    assert IntegrationAlert.objects.filter(shop=shop).count() == 1


def test_a_deauthorization_whose_push_was_lost_is_found_by_reconciliation(simulator, shop):
    cancel_authorization(simulator.sim, shop_ids=[SHOP_ID])  # no callback: the push is lost
    with pytest.raises(ShopNotConnected):
        shop_reconcile(shop=shop)
    shop.refresh_from_db()
    assert shop.status == Shop.Status.NEEDS_REAUTH
    assert IntegrationAlert.objects.filter(shop=shop, kind="needs_reauth").count() == 1


def test_the_sync_states_page_shows_the_shop_needing_reauthorization_and_why(simulator, shop):
    from django.test import Client

    from tests.factories import UserFactory, login_verified

    _revoke(simulator, refresh=True)
    with pytest.raises(ShopNotConnected):
        shop_reconcile(shop=shop)
    browser = Client()
    login_verified(browser, UserFactory(is_superuser=True))
    page = browser.get("/admin/chat/shopsyncstate/").content.decode()
    assert "Needs re-authorization: Token refresh refused (error_shop_refresh_token)" in page
    assert '<td class="field-shop_status">Needs re-authorization</td>' in page


def test_the_other_marketplace_reads_also_refresh_a_refused_token(simulator, shop):
    from chat.services.pipeline.audit import shop_audit
    from chat.services.pipeline.orders import order_refresh
    from integrations.shopee.simulator import place_order

    buyer_message(simulator.sim, shop_id=SHOP_ID, buyer_id=7003, text="is it shipped?")
    order = place_order(simulator.sim, shop_id=SHOP_ID, buyer_id=7003)
    _revoke(simulator)
    assert shop_audit(shop=shop, settle_seconds=0).platform_messages == 1
    _revoke(simulator)
    assert order_refresh(shop=shop, order_ref=order["order_sn"]).order_ref == order["order_sn"]
    assert simulator.sim.snapshot_stats()["refresh_calls"] == 2
    shop.refresh_from_db()
    assert shop.status == Shop.Status.ACTIVE
