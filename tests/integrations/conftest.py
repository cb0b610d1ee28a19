import pytest

from integrations.shopee.simulator import SimConfig, SimShop, start_simulator

SHOP_MY = "100000000000000777"
SHOP_TH = "100000000000000778"
SHOP_TW = "100000000000000779"
MAIN_ACCOUNT = "900000000000000001"
MAIN_SHOPS = ("100000000000000901", "100000000000000902")


@pytest.fixture
def simulator(settings):
    """A real fake Shopee on loopback, wired into the app's settings."""
    config = SimConfig(
        partner_id=int(settings.SHOPEE_PARTNER_ID),
        partner_key=settings.SHOPEE_PARTNER_KEY,
        shops=[
            SimShop(SHOP_MY, "MY", "Test Shop MY"),
            SimShop(SHOP_TH, "TH", "Test Shop TH"),
            SimShop(SHOP_TW, "TW", "Test Shop TW"),
            SimShop(MAIN_SHOPS[0], "VN", "Main VN", main_account_id=MAIN_ACCOUNT),
            SimShop(MAIN_SHOPS[1], "BR", "Main BR", main_account_id=MAIN_ACCOUNT),
        ],
    )
    with start_simulator(config) as handle:
        settings.SHOPEE_HOST = handle.base_url
        yield handle
