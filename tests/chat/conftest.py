"""Chat pipeline fixtures: a simulator on loopback and a connected shop."""

import json

import pytest

from integrations.models import Shop
from integrations.services.tokens import shop_tokens_store
from integrations.shopee.mapping import token_pair_from_shopee
from integrations.shopee.push import push_signature
from integrations.shopee.simulator import SimConfig, SimShop, start_simulator

SHOP_ID = "100000000000000777"
TW_SHOP_ID = "100000000000000888"


@pytest.fixture
def simulator(settings):
    config = SimConfig(
        partner_id=int(settings.SHOPEE_PARTNER_ID),
        partner_key=settings.SHOPEE_PARTNER_KEY,
        shops=[SimShop(SHOP_ID, "MY", "Chat Shop MY"), SimShop(TW_SHOP_ID, "TW", "Chat Shop TW")],
        seed=7,
    )
    with start_simulator(config) as handle:
        settings.SHOPEE_HOST = handle.base_url
        yield handle


def connect(sim, shop_id: str = SHOP_ID, site: str = "MY") -> Shop:
    shop = Shop.objects.create(platform_shop_id=shop_id, site=site, name=f"Shop {site}")
    issued = sim.issue_tokens(shop_id)
    shop_tokens_store(shop=shop, pair=token_pair_from_shopee(issued, shop_id=shop_id))
    return shop


@pytest.fixture
def shop(db, simulator):
    return connect(simulator.sim)


def take_pushes(sim, keep: bool = False) -> list[bytes]:
    """The pushes the simulator could not deliver (no callback set), as Shopee would POST them.
    With keep=True they also stay in its lost-push queue, as after a failed delivery."""
    with sim.lock:
        pending = list(sim.lost_pushes)
        if not keep:
            sim.lost_pushes[:] = []
    bodies = []
    for entry in pending:
        body = {
            "data": json.loads(entry["data"]),
            "code": entry["code"],
            "timestamp": entry["timestamp"],
        }
        if entry["shop_id"]:
            body["shop_id"] = entry["shop_id"]
        bodies.append(json.dumps(body, separators=(",", ":")).encode())
    return bodies


def signed_post(client, settings, body: bytes, signature: str | None = None):
    headers = {}
    sig = (
        signature
        if signature is not None
        else push_signature(settings.SHOPEE_PUSH_CALLBACK_URL, settings.SHOPEE_PARTNER_KEY, body)
    )
    if sig:
        headers["HTTP_AUTHORIZATION"] = sig
    return client.post("/webhooks/shopee/", data=body, content_type="application/json", **headers)
