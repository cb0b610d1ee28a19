"""What differs per marketplace is reached through the adapter registry: the connect page lists
the registered ones, and a shop's extra credentials are stored encrypted and handed to its
adapter in the shop auth."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from integrations.models import ShopToken
from integrations.services.connect import ConnectError, shop_connect_url
from integrations.services.credentials import CredentialsRejected, shop_credentials_set
from integrations.services.tokens import shop_auth_get
from shopee_cs.crypto import encrypt
from tests.factories import ShopFactory, UserFactory, login_verified

pytestmark = pytest.mark.django_db


def _connected(platform):
    shop = ShopFactory(platform=platform)
    ShopToken.objects.create(
        shop=shop,
        access_token_encrypted=encrypt("access"),
        refresh_token_encrypted=encrypt("refresh"),
        access_expires_at=timezone.now() + timedelta(hours=4),
    )
    return shop


def _raw_column(shop) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credentials_encrypted FROM integrations_shop WHERE id = %s", [shop.pk]
        )
        return cursor.fetchone()[0]


def test_a_shop_s_credentials_are_encrypted_and_reach_its_adapter(fake_market):
    shop = _connected(fake_market.PLATFORM)
    shop_credentials_set(shop=shop, credentials={"shop_cipher": "ROW_secret-cipher"})
    assert "ROW_secret-cipher" not in _raw_column(shop)
    shop.refresh_from_db()
    auth = shop_auth_get(shop=shop)
    assert dict(auth.credentials) == {"shop_cipher": "ROW_secret-cipher"}
    with pytest.raises(NotImplementedError):
        fake_market.FakeMarketAdapter().get_shop_info(auth)
    assert fake_market.FakeMarketAdapter.auths[-1].credentials["shop_cipher"] == "ROW_secret-cipher"


@pytest.mark.parametrize(
    ("credentials", "error"),
    [
        ({"api_region": "sg"}, "take no credential named api_region (expected: shop_cipher)"),
        ({"shop_cipher": "  "}, "The credential shop_cipher must be a non-empty text."),
        ({"shop_cipher": "x" * 513}, "longer than 512 characters"),
    ],
)
def test_credentials_the_marketplace_does_not_declare_are_refused_and_nothing_changes(
    fake_market, credentials, error
):
    shop = _connected(fake_market.PLATFORM)
    shop_credentials_set(shop=shop, credentials={"shop_cipher": "kept"})
    with pytest.raises(CredentialsRejected, match=re.escape(error)):
        shop_credentials_set(shop=shop, credentials=credentials)
    shop.refresh_from_db()
    assert dict(shop_auth_get(shop=shop).credentials) == {"shop_cipher": "kept"}


def test_a_shopee_shop_takes_no_extra_credentials_and_its_auth_carries_none():
    shop = _connected("shopee")
    with pytest.raises(CredentialsRejected, match="expected: none"):
        shop_credentials_set(shop=shop, credentials={"shop_cipher": "x"})
    shop.refresh_from_db()
    assert _raw_column(shop) == ""
    assert dict(shop_auth_get(shop=shop).credentials) == {}


def test_the_connect_page_lists_every_registered_marketplace(client, fake_market):
    login_verified(client, UserFactory(is_superuser=True, is_staff=True))
    html = client.get("/shops/connect/").content.decode()
    assert "Connect a Shopee shop" in html and "Connect a Testmarket shop" in html
    assert f'href="/shops/connect/{fake_market.PLATFORM}/"' in html
    start = client.get(f"/shops/connect/{fake_market.PLATFORM}/")
    assert start.status_code == 302
    assert start["Location"].startswith("https://testmarket.invalid/authorize")
    changelist = client.get("/admin/integrations/shop/").content.decode()
    assert "Connect a Testmarket shop" in changelist


def test_connecting_a_marketplace_with_no_adapter_is_refused(client):
    login_verified(client, UserFactory(is_superuser=True, is_staff=True))
    assert client.get("/shops/connect/nowhere/").status_code == 404
    with pytest.raises(ConnectError, match="No marketplace 'nowhere'"):
        shop_connect_url(platform="nowhere", redirect_url="https://cs.example.com/", user_id=1)
