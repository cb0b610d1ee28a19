"""The shop admin tells a shop that lost its authorization from one an admin turned off: it
offers the reconnect link, and what was probed or dated under the lost authorization is shown
as stale, not as current."""

import pytest
from django.test import Client

from integrations.models import Shop
from integrations.services.connect import shop_capabilities_probe, shop_deauthorize
from integrations.services.tokens import shop_tokens_store
from integrations.shopee.mapping import token_pair_from_shopee
from tests.factories import UserFactory, login_verified
from tests.integrations.conftest import SHOP_MY

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(simulator):
    shop = Shop.objects.create(platform_shop_id=SHOP_MY, site="MY", name="Test Shop MY")
    issued = simulator.sim.issue_tokens(SHOP_MY)
    shop_tokens_store(shop=shop, pair=token_pair_from_shopee(issued, shop_id=SHOP_MY))
    shop_capabilities_probe(shop=shop)
    return shop


@pytest.fixture
def browser() -> Client:
    browser = Client()
    login_verified(browser, UserFactory(is_superuser=True))
    return browser


def _page(browser: Client, shop: Shop) -> str:
    return browser.get(f"/admin/integrations/shop/{shop.pk}/change/").content.decode()


def test_an_active_shop_shows_its_capabilities_and_expiry_as_current(browser, shop):
    page = _page(browser, shop)
    assert "read chats" in page
    assert "(stale)" not in page and "<s>" not in page
    assert "/shops/connect/" not in page.split('id="content-main"')[1].split("</form>")[0]


def test_a_deauthorized_shop_offers_the_reconnect_link_and_marks_what_is_stale(browser, shop):
    shop_deauthorize(platform="shopee", platform_shop_id=SHOP_MY, reason="Seller revoked the app")
    page = _page(browser, shop)
    assert "Needs re-authorization" in page and "Seller revoked the app" in page
    assert 'href="/shops/connect/shopee/">Reconnect the shop</a>' in page
    assert "<s>read chats" in page and "(stale)" in page  # probed under the lost authorization
    listing = browser.get("/admin/integrations/shop/").content.decode()
    assert "Reconnect the shop" in listing


def test_a_shop_whose_refresh_was_refused_shows_its_token_expiry_as_stale(browser, shop, simulator):
    from integrations.services.tokens import ShopNotConnected, shop_tokens_refresh

    simulator.sim.revoke_tokens(SHOP_MY, refresh=True)
    with pytest.raises(ShopNotConnected):
        shop_tokens_refresh(shop=shop, force=True)
    page = _page(browser, shop)
    assert page.count("(stale)") >= 3  # capabilities, access and refresh token expiry
    assert 'href="/shops/connect/shopee/">Reconnect the shop</a>' in page


def test_a_shop_an_admin_disabled_keeps_its_values_as_they_are(browser, shop):
    Shop.objects.filter(pk=shop.pk).update(status=Shop.Status.DISABLED)
    page = _page(browser, shop)
    assert "read chats" in page and "(stale)" not in page
    assert "Reconnect the shop" not in page
