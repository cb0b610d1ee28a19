"""Connect the demo shops at the simulator through the real OAuth flow (`make run`)."""

from urllib.parse import parse_qs, urlsplit

from integrations.demo import DEMO_PLATFORM, DEMO_SHOPS
from integrations.models import Shop
from integrations.services.connect import ConnectError, shop_connect_complete, shop_connect_url
from shopee_cs import http

DEMO_USER_ID = 0  # the flow is started by the launcher, not by a signed-in admin


def demo_shops_connect(*, redirect_url: str) -> list[Shop]:
    """Play the seller on the simulator's consent page for each demo shop, then complete the
    callback exactly as the connect view does."""
    shops: list[Shop] = []
    for shop_id, _site, _name in DEMO_SHOPS:
        url = shop_connect_url(
            platform=DEMO_PLATFORM, redirect_url=redirect_url, user_id=DEMO_USER_ID
        )
        response = http.request("GET", url, params={"shop_id": shop_id}, allow_redirects=False)
        if response.status_code != 302:
            raise ConnectError(f"simulator refused to authorize {shop_id}: {response.text[:200]}")
        query = parse_qs(urlsplit(response.headers["Location"]).query)
        shops += shop_connect_complete(
            platform=DEMO_PLATFORM, code=query["code"][0], shop_id=query["shop_id"][0]
        )
    return shops
