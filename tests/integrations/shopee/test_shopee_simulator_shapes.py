"""Each simulated endpoint answers in Shopee's shape (doc §3, §4, §5, §7 and the endpoint
schemas): the envelope (`request_id`, `error`, `message`) always at the top, the data inside
`response` except where Shopee puts it at the top level or returns the bare envelope.

Requests are signed and sent by hand, not through the client, so that the client's tolerance of
either shape cannot hide a wrong one."""

from __future__ import annotations

import pytest
import requests

from integrations.shopee import signing
from integrations.shopee.simulator import buyer_message, place_order, request_return
from integrations.shopee.simulator.api import ROUTES

SHOP = "100000001"
ENVELOPE = {"request_id", "error", "message"}

# Endpoint -> (where its data is, keys the data must carry). Taken from the reference, not the
# simulator: "top" = top level of the body, "response" = inside `response`, "none" = no data.
SHAPES: dict[str, tuple[str, set[str]]] = {
    "auth/token/get": ("top", {"access_token", "refresh_token", "expire_in"}),
    "auth/access_token/get": (
        "top",
        {"access_token", "refresh_token", "expire_in", "partner_id", "shop_id"},
    ),
    "public/get_shops_by_partner": ("top", {"authed_shop_list", "more"}),
    "shop/get_shop_info": (
        "top",
        {"shop_name", "region", "status", "is_cb", "is_sip", "auth_time", "expire_time"},
    ),
    "account_health/get_shop_performance": ("response", {"metric_list"}),
    "push/get_lost_push_message": (
        "response",
        {"push_message_list", "has_next_page", "last_message_id"},
    ),
    "push/confirm_consumed_lost_push_message": ("none", set()),
    "sellerchat/get_conversation_list": ("response", {"conversations", "page_result"}),
    "sellerchat/get_one_conversation": (
        "response",
        {"conversation_id", "to_id", "to_name", "unread_count", "last_message_timestamp"},
    ),
    "sellerchat/get_message": ("response", {"messages", "page_result"}),
    "sellerchat/send_message": (
        "response",
        {"message_id", "to_id", "message_type", "content", "conversation_id", "created_timestamp"},
    ),
    "sellerchat/send_autoreply_message": ("response", {"message_id", "to_id", "content"}),
    "sellerchat/read_conversation": ("response", set()),
    "sellerchat/get_unread_conversation_count": ("response", {"total_unread_count"}),
    "sellerchat/upload_image": ("response", {"url", "thumbnail"}),
    "order/get_order_list": ("response", {"more", "next_cursor", "order_list"}),
    "order/get_order_detail": ("response", {"order_list"}),
    "logistics/get_tracking_number": ("response", {"tracking_number"}),
    "logistics/get_tracking_info": (
        "response",
        {"order_sn", "package_number", "logistics_status", "tracking_info"},
    ),
    "returns/get_return_list": ("response", {"more", "return"}),
    "returns/get_return_detail": ("response", {"return_sn", "order_sn", "status"}),
    "product/get_item_base_info": ("response", {"item_list"}),
    "product/get_comment": ("response", {"item_comment_list", "more"}),
}


def test_every_simulated_endpoint_has_a_shape_test():
    assert {path.removeprefix("/api/v2/") for path in ROUTES} == set(SHAPES)


@pytest.fixture
def world(simulator):
    """One buyer's conversation, an order with a return, a lost push, and the shop's tokens."""
    sim = simulator.sim
    message = buyer_message(sim, shop_id=SHOP, text="hello")
    order = place_order(sim, shop_id=SHOP, buyer_id=message["from_id"])
    ret = request_return(sim, order_sn=order["order_sn"])
    code = sim.create_code(shop_id=SHOP)
    refresh_pair = sim.issue_tokens(SHOP)
    return {
        "tokens": sim.issue_tokens(SHOP),
        "refresh_token": refresh_pair["refresh_token"],
        "code": code,
        "buyer": message["from_id"],
        "conversation_id": message["conversation_id"],
        "message_id": message["message_id"],
        "order_sn": order["order_sn"],
        "return_sn": ret["return_sn"],
        "item_id": sim.items[SHOP][0]["item_id"],
    }


def _request(simulator, api: str, world: dict, partner_id: int | None = None) -> requests.Response:
    cfg = simulator.sim.config
    key = signing.normalize_partner_key(cfg.partner_key)
    partner_id = cfg.partner_id if partner_id is None else partner_id
    method, public, _ = ROUTES["/api/v2/" + api]
    path, ts = "/api/v2/" + api, signing.now_ts()
    query = {"partner_id": partner_id, "timestamp": ts}
    if public:
        query["sign"] = signing.sign_public(key, partner_id, path, ts)
    else:
        token = world["tokens"]["access_token"]
        query["sign"] = signing.sign_shop(key, partner_id, path, ts, token, SHOP)
        query.update(access_token=token, shop_id=SHOP)
    params, body, files = _arguments(api, world, partner_id)
    query.update(params)
    url = simulator.base_url + path
    if method == "GET":
        return requests.get(url, params=query, timeout=5)
    if files:
        return requests.post(url, params=query, files=files, timeout=5)
    return requests.post(url, params=query, json=body, timeout=5)


def _arguments(api: str, w: dict, partner_id: int) -> tuple[dict, dict, dict]:
    """(query, JSON body, files) for one valid call of the endpoint."""
    now = signing.now_ts()
    return {
        "auth/token/get": ({}, {"code": w["code"], "partner_id": partner_id, "shop_id": SHOP}, {}),
        "auth/access_token/get": (
            {},
            {"refresh_token": w["refresh_token"], "partner_id": partner_id, "shop_id": SHOP},
            {},
        ),
        "public/get_shops_by_partner": ({"page_no": 1, "page_size": 10}, {}, {}),
        "push/confirm_consumed_lost_push_message": ({}, {"last_message_id": 1}, {}),
        "sellerchat/get_conversation_list": ({"direction": "latest", "type": "all"}, {}, {}),
        "sellerchat/get_one_conversation": ({"conversation_id": w["conversation_id"]}, {}, {}),
        "sellerchat/get_message": ({"conversation_id": w["conversation_id"]}, {}, {}),
        "sellerchat/send_message": (
            {},
            {"to_id": w["buyer"], "message_type": "text", "content": {"text": "Hi there"}},
            {},
        ),
        "sellerchat/send_autoreply_message": (
            {},
            {"to_id": w["buyer"], "content": {"text": "We are away"}},
            {},
        ),
        "sellerchat/read_conversation": (
            {},
            {"conversation_id": w["conversation_id"], "last_read_message_id": w["message_id"]},
            {},
        ),
        "sellerchat/upload_image": ({}, {}, {"file": ("a.jpg", b"\xff\xd8jpeg", "image/jpeg")}),
        "order/get_order_list": (
            {"time_range_field": "update_time", "time_from": now - 86400, "time_to": now + 60},
            {},
            {},
        ),
        "order/get_order_detail": ({"order_sn_list": w["order_sn"]}, {}, {}),
        "logistics/get_tracking_number": ({"order_sn": w["order_sn"]}, {}, {}),
        "logistics/get_tracking_info": ({"order_sn": w["order_sn"]}, {}, {}),
        "returns/get_return_list": ({"page_no": 0, "page_size": 10}, {}, {}),
        "returns/get_return_detail": ({"return_sn": w["return_sn"]}, {}, {}),
        "product/get_item_base_info": ({"item_id_list": w["item_id"]}, {}, {}),
        "product/get_comment": ({}, {}, {}),
    }.get(api, ({}, {}, {}))


@pytest.mark.parametrize("api", sorted(SHAPES))
def test_success_shape(simulator, world, api):
    where, keys = SHAPES[api]
    resp = _request(simulator, api, world)
    body = resp.json()
    assert resp.status_code == 200, body
    assert body["error"] == "" and body["message"] == ""
    assert isinstance(body["request_id"], str) and body["request_id"]
    if where == "top":
        assert "response" not in body
        assert keys <= set(body) - ENVELOPE
    elif where == "response":
        assert set(body) == ENVELOPE | {"response"}
        assert isinstance(body["response"], dict) and keys <= set(body["response"])
    else:
        assert set(body) == ENVELOPE


@pytest.mark.parametrize("api", sorted(SHAPES))
def test_error_shape(simulator, world, api):
    """A refusal is the bare envelope whatever the endpoint: never a `response`."""
    resp = _request(simulator, api, world, partner_id=simulator.sim.config.partner_id + 1)
    body = resp.json()
    assert set(body) == ENVELOPE
    assert body["error"] == "invalid_partner_id" and body["message"]
    assert body["request_id"]
