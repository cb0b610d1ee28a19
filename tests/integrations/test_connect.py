"""Connecting shops through the simulator's real OAuth flow."""

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core import signing
from django.db import connection

from integrations.models import IntegrationAlert, Shop, ShopToken
from integrations.services.connect import (
    ConnectError,
    shop_connect_complete,
    shop_connect_state_check,
    shop_connect_url,
    shop_deauthorize,
)
from shopee_cs.crypto import decrypt
from tests.integrations.conftest import MAIN_ACCOUNT, MAIN_SHOPS, SHOP_MY, SHOP_TW

pytestmark = pytest.mark.django_db
CALLBACK = "https://cs.example.com/shops/connect/callback/"


def _authorize(url: str, **choice: str) -> dict[str, str]:
    """Act as the seller on the consent page: pick a shop or main account, follow the redirect."""
    response = requests.get(url, params=choice, allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["Location"])
    assert location.geturl().startswith(CALLBACK)
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def test_shop_account_authorization_stores_an_active_shop_with_tokens(simulator):
    params = _authorize(
        shop_connect_url(platform="shopee", redirect_url=CALLBACK, user_id=7), shop_id=SHOP_MY
    )
    assert shop_connect_state_check(state=params["state"], user_id=7) == "shopee"
    [shop] = shop_connect_complete(
        platform="shopee", code=params["code"], shop_id=params["shop_id"]
    )
    assert (shop.platform_shop_id, shop.site, shop.status) == (SHOP_MY, "MY", Shop.Status.ACTIVE)
    assert shop.name == "Test Shop MY"
    token = ShopToken.objects.get(shop=shop)
    assert decrypt(token.access_token_encrypted) in simulator.sim.access_tokens


def test_capabilities_are_probed_at_connect_time(simulator):
    params = _authorize(
        shop_connect_url(platform="shopee", redirect_url=CALLBACK, user_id=7), shop_id=SHOP_MY
    )
    [shop] = shop_connect_complete(platform="shopee", code=params["code"], shop_id=SHOP_MY)
    shop.refresh_from_db()
    assert shop.capabilities["chat_read"] is True
    assert shop.capabilities["chat_write"] is True
    assert shop.capabilities["order_read"] is True
    assert shop.capabilities_checked_at is not None


def test_a_tw_shop_cannot_send_and_that_raises_no_alert(simulator):
    params = _authorize(
        shop_connect_url(platform="shopee", redirect_url=CALLBACK, user_id=7), shop_id=SHOP_TW
    )
    [shop] = shop_connect_complete(platform="shopee", code=params["code"], shop_id=SHOP_TW)
    shop.refresh_from_db()
    assert shop.capabilities["chat_read"] is True and shop.capabilities["chat_write"] is False
    assert shop.capabilities["chat_write_offered"] is False  # Shopee's limit on TW, not ours
    assert not IntegrationAlert.objects.filter(shop=shop).exists()


def test_a_permission_the_app_lacks_is_missing_where_the_site_offers_it():
    from integrations.services.connect import capabilities_missing

    granted = {"chat_read": True, "chat_write": False, "order_read": False}
    assert capabilities_missing({**granted, "chat_write_offered": True}) == [
        "chat_write",
        "order_read",
    ]
    assert capabilities_missing({**granted, "chat_write_offered": False}) == ["order_read"]


def test_main_account_authorization_connects_every_shop_it_returns(simulator):
    url = shop_connect_url(platform="shopee", redirect_url=CALLBACK, user_id=7)
    params = _authorize(url, main_account_id=MAIN_ACCOUNT)
    shops = shop_connect_complete(
        platform="shopee", code=params["code"], main_account_id=params["main_account_id"]
    )
    assert sorted(s.platform_shop_id for s in shops) == sorted(MAIN_SHOPS)
    assert {s.main_account_id for s in shops} == {MAIN_ACCOUNT}
    assert ShopToken.objects.filter(shop__in=shops).count() == 2


def test_a_used_code_is_refused_and_writes_nothing(simulator):
    params = _authorize(
        shop_connect_url(platform="shopee", redirect_url=CALLBACK, user_id=7), shop_id=SHOP_MY
    )
    shop_connect_complete(platform="shopee", code=params["code"], shop_id=SHOP_MY)
    Shop.objects.all().delete()
    with pytest.raises(ConnectError, match="invalid_code"):
        shop_connect_complete(platform="shopee", code=params["code"], shop_id=SHOP_MY)
    assert not Shop.objects.exists()


def test_callback_without_shop_or_account_is_refused(simulator):
    with pytest.raises(ConnectError, match="exactly one"):
        shop_connect_complete(platform="shopee", code="abc")


def test_forged_state_is_refused():
    with pytest.raises(ConnectError, match="not one this system started"):
        shop_connect_state_check(state="forged:value", user_id=7)


def test_state_of_another_user_is_refused():
    state = signing.dumps({"u": 8, "p": "shopee"}, salt="integrations.connect")
    with pytest.raises(ConnectError, match="another user"):
        shop_connect_state_check(state=state, user_id=7)


def test_tokens_are_not_readable_in_the_database_without_the_key(simulator, settings):
    params = _authorize(
        shop_connect_url(platform="shopee", redirect_url=CALLBACK, user_id=7), shop_id=SHOP_MY
    )
    [shop] = shop_connect_complete(platform="shopee", code=params["code"], shop_id=SHOP_MY)
    plain = decrypt(ShopToken.objects.get(shop=shop).access_token_encrypted)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM integrations_shoptoken WHERE shop_id = %s", [shop.pk])
        raw_row = " ".join(str(v) for v in cursor.fetchone())
    assert plain not in raw_row
    from shopee_cs.crypto import SecretUnreadable, new_key

    settings.TOKEN_ENCRYPTION_KEYS = [new_key()]
    with pytest.raises(SecretUnreadable):
        decrypt(ShopToken.objects.get(shop=shop).access_token_encrypted)


def _connect_my_shop() -> Shop:
    params = _authorize(
        shop_connect_url(platform="shopee", redirect_url=CALLBACK, user_id=7), shop_id=SHOP_MY
    )
    [shop] = shop_connect_complete(platform="shopee", code=params["code"], shop_id=SHOP_MY)
    return shop


def test_deauthorization_leaves_the_shop_needing_reauthorization_without_tokens(simulator):
    assert _connect_my_shop().authorization_expires_at is not None
    shop = shop_deauthorize(
        platform="shopee", platform_shop_id=SHOP_MY, reason="Seller revoked the app"
    )
    shop.refresh_from_db()
    assert (shop.status, shop.status_reason) == (Shop.Status.NEEDS_REAUTH, "Seller revoked the app")
    assert shop.authorization_expires_at is None  # the authorization it dated is gone
    assert not ShopToken.objects.filter(shop=shop).exists()
    assert IntegrationAlert.objects.filter(shop=shop, kind="deauthorized").count() == 1


def test_reconnecting_a_deauthorized_shop_restores_it_and_resolves_its_alert(simulator):
    _connect_my_shop()
    shop_deauthorize(platform="shopee", platform_shop_id=SHOP_MY, reason="Seller revoked the app")
    shop = _connect_my_shop()
    assert (shop.status, shop.status_reason) == (Shop.Status.ACTIVE, "")
    assert shop.authorization_expires_at is not None
    assert not IntegrationAlert.objects.filter(shop=shop, resolved_at__isnull=True).exists()


def test_shops_disabled_by_a_deauthorization_before_now_need_reauthorization(simulator):
    from importlib import import_module

    from django.apps import apps

    revoked = _connect_my_shop()
    shop_deauthorize(platform="shopee", platform_shop_id=SHOP_MY, reason="Seller revoked the app")
    turned_off = Shop.objects.create(platform_shop_id="42", site="MY", name="Turned off")
    Shop.objects.filter(pk__in=[revoked.pk, turned_off.pk]).update(status=Shop.Status.DISABLED)
    migration = import_module(
        "integrations.migrations.0006_deauthorized_shops_need_reauthorization"
    )
    migration.forwards(apps, None)
    revoked.refresh_from_db()
    turned_off.refresh_from_db()
    assert revoked.status == Shop.Status.NEEDS_REAUTH
    assert turned_off.status == Shop.Status.DISABLED  # an admin's choice stays


def test_deauthorization_of_an_unknown_shop_changes_nothing():
    assert shop_deauthorize(platform="shopee", platform_shop_id="1", reason="x") is None
