"""Simulator behaviour seen from outside: OAuth redirects, control endpoints, traffic and
scenarios, the shared adapter flows over the in-process server."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import requests

from integrations.shopee import signing
from integrations.shopee.simulator import SimConfig, run_scenario, start_simulator
from integrations.shopee.simulator.phrases import PHRASES
from integrations.types import ShopAuth


def _authorize(simulator, adapter, **choice):
    link = adapter.auth_url(redirect_url="https://cs.example.com/oauth/shopee?state=xyz")
    link = link.replace(adapter.client.host, simulator.base_url)
    resp = requests.get(link, params=choice, allow_redirects=False, timeout=5)
    return resp


def test_auth_link_redirects_with_code_and_shop_id(simulator, adapter):
    resp = _authorize(simulator, adapter, shop_id="100000004")
    assert resp.status_code == 302
    loc = urlsplit(resp.headers["Location"])
    q = parse_qs(loc.query)
    assert (loc.netloc, q["state"], q["shop_id"]) == ("cs.example.com", ["xyz"], ["100000004"])
    pair = adapter.exchange_code(code=q["code"][0], shop_id="100000004")
    assert adapter.get_shop_info(pair.auth()).region == "BR"


def test_main_account_gets_one_pair_for_its_shops_then_refreshes_per_shop(simulator, adapter):
    resp = _authorize(simulator, adapter, main_account_id="900001")
    q = parse_qs(urlsplit(resp.headers["Location"]).query)
    pair = adapter.exchange_code(code=q["code"][0], main_account_id=q["main_account_id"][0])
    assert pair.shop_ids == ("100000001", "100000002")
    for sid in pair.shop_ids:  # the shared access token works for each shop
        adapter.get_shop_info(pair.auth(sid))
    my = adapter.refresh_tokens(refresh_token=pair.refresh_token, shop_id="100000001")
    th = adapter.refresh_tokens(refresh_token=pair.refresh_token, shop_id="100000002")
    assert my.access_token != th.access_token
    assert my.shop_id == "100000001"


def test_auth_link_with_bad_sign_or_stale_timestamp_is_refused(simulator):
    cfg = simulator.sim.config
    stale = signing.auth_url(
        simulator.base_url,
        cfg.partner_id,
        cfg.partner_key,
        "https://r",
        timestamp=signing.now_ts() - 301,
    )
    body = requests.get(stale, allow_redirects=False, timeout=5).json()
    assert (body["error"], body["message"]) == ("error_param", "Timestamp is expired.")
    forged = signing.auth_url(simulator.base_url, cfg.partner_id, "other-key", "https://r")
    assert requests.get(forged, allow_redirects=False, timeout=5).json()["error"] == "error_sign"


def test_authorize_page_lists_shops_and_main_accounts(simulator, adapter):
    resp = _authorize(simulator, adapter)
    assert resp.status_code == 200
    assert "Loja BR" in resp.text and "900001" in resp.text


def test_control_endpoints(simulator, adapter):
    base = simulator.base_url + "/__sim__/"
    tokens = requests.post(base + "tokens", json={"shop_id": "100000002"}, timeout=5).json()
    auth = ShopAuth("100000002", tokens["access_token"])
    ev = requests.post(
        base + "events",
        json={"type": "buyer_message", "shop_id": "100000002", "text": "มีไซส์ L ไหมคะ"},
        timeout=5,
    ).json()
    assert ev["result"]["content"] == {"text": "มีไซส์ L ไหมคะ"}
    requests.post(
        base + "faults/script",
        json={"path": "sellerchat/get_unread_conversation_count", "outcomes": [500]},
        timeout=5,
    )
    assert adapter.unread_conversation_count(auth) == 1  # retried past the injected 500
    requests.post(
        base + "faults", json={"error_5xx_pct": 100, "paths": ["shop/get_shop_info"]}, timeout=5
    )
    stats = requests.get(base + "stats", timeout=5).json()
    assert stats["faults"]["error_5xx_pct"] == 100
    assert stats["calls"]["/api/v2/sellerchat/get_unread_conversation_count"] == 2
    assert stats["buyer_messages"] == 1 and stats["lost_push_pending"] == 1
    assert requests.post(base + "faults", json={"bogus": 1}, timeout=5).status_code == 400
    assert requests.post(base + "reset", timeout=5).json() == {"ok": True}
    assert requests.get(base + "stats", timeout=5).json()["buyer_messages"] == 0


def test_success_envelope_with_dash(simulator, adapter, my_shop):
    simulator.sim.config.success_error_value = "-"
    assert adapter.get_shop_info(ShopAuth(**my_shop)).name == "Kedai MY"


def test_scenario_replays_a_timeline_and_adapter_reads_it_back(simulator, adapter, my_shop):
    buyer = 2**58 + 99
    events = [
        {
            "at": 0,
            "type": "buyer_message",
            "shop_id": "100000001",
            "buyer_id": buyer,
            "text": "Di mana pesanan saya?",
        },
        {"at": 1, "type": "place_order", "shop_id": "100000001", "buyer_id": buyer},
        {"at": 2, "type": "advance_order", "status": "SHIPPED"},
        {"at": 3, "type": "request_return"},
        {"at": 4, "type": "rate_item", "stars": 1, "text": "Broken"},
    ]
    order = run_scenario(simulator.sim, events)[1]
    auth = ShopAuth(**my_shop)
    (conv,) = adapter.list_conversations(auth).items
    assert (conv.buyer_id, conv.last_message_text) == (str(buyer), "Di mana pesanan saya?")
    tracking = adapter.get_tracking(auth, order_ref=order["order_sn"])
    assert tracking.tracking_number.startswith("MY") and tracking.events
    (ret,) = adapter.get_returns(auth).items
    assert ret.order_ref == order["order_sn"]
    comments = adapter.client.get_comment(shop_id=auth.shop_id, access_token=auth.access_token)
    (rating,) = comments["item_comment_list"]
    assert (rating["rating_star"], rating["comment"]) == (1, "Broken")
    refs = adapter.list_orders(auth, updated_from=_at(order, -60), updated_to=_at(order, 60)).items
    assert refs == (order["order_sn"],)
    codes = simulator.sim.snapshot_stats()["pushes_by_code"]
    assert codes == {"10": 1, "3": 2, "4": 1, "29": 1}  # UNPAID, SHIPPED (+ tracking)


def _at(order, delta):
    return datetime.fromtimestamp(order["create_time"] + delta, tz=UTC)


def test_traffic_generator_covers_sites_and_languages():
    with start_simulator(SimConfig(seed=3)) as h:
        for _ in range(300):
            h.traffic.step()
        sim = h.sim
        langs = {b["lang"] for b in sim.buyers.values()}
        regions = {sim.shops[c["shop_id"]].region for c in sim.conversations.values()}
        stats = sim.snapshot_stats()
    assert {"zh", "en", "th", "vi", "ms", "id", "pt"} <= langs
    assert {"MY", "TH", "VN", "PH", "SG", "ID", "TW", "BR"} <= regions
    assert stats["orders"] and stats["returns"] and stats["buyer_messages"]
    messages = [m for c in sim.conversations.values() for m in c["messages"]]
    from_buyers = [m for m in messages if not m["from_shop_id"]]
    texts = {m["content"]["text"] for m in from_buyers if m["message_type"] == "text"}
    known = {p for by_lang in PHRASES.values() for ps in by_lang.values() for p in ps}
    assert texts <= known
    assert {"text", "image", "sticker", "item", "order"} <= {m["message_type"] for m in from_buyers}
    from_seller = {m["source"]: m for m in messages if m["from_shop_id"]}
    assert from_seller["auto_reply"]["message_option"] == 129  # the shop's auto-reply
    assert from_seller["web"]["status"] == "normal"  # typed in Seller Centre
    orders_returned = [r["order_sn"] for r in sim.returns.values()]
    assert len(orders_returned) == len(set(orders_returned))  # one return per order


def test_upload_image_and_send_it(simulator, adapter, my_shop):
    from integrations.shopee.simulator import buyer_message
    from integrations.types import MessageKind, OutboundMessage

    auth = ShopAuth(**my_shop)
    buyer_message(simulator.sim, shop_id="100000001", buyer_id=77, text="photo please")
    uploaded = adapter.client.upload_image(
        shop_id=auth.shop_id, access_token=auth.access_token, filename="a.png", data=b"\x89PNG fake"
    )
    url = uploaded["url"]
    assert url.startswith("https://cf.shopee.sim/file/")
    adapter.send_message(
        auth,
        OutboundMessage(shop_id="100000001", buyer_id="77", kind=MessageKind.IMAGE, image_url=url),
    )
    conv_id = simulator.sim.conversation_for("100000001", 77)["conversation_id"]
    newest = adapter.get_messages(auth, conversation_id=conv_id).items[0]
    assert (newest.kind, newest.image_url) == (MessageKind.IMAGE, url)


def test_simulator_treats_the_partner_key_as_the_client_does(sim_config):
    """Quotes and whitespace around a configured key are trimmed by the client; the simulator
    (standing in for Shopee, which knows the key as registered) trims them the same way."""
    from integrations.shopee.client import ShopeeClient

    padded = f' "{sim_config.partner_key}"\n'
    sim_config.partner_key = padded
    with start_simulator(sim_config) as handle:
        client = ShopeeClient(
            partner_id=sim_config.partner_id, partner_key=padded, host=handle.base_url
        )
        tokens = handle.sim.issue_tokens("100000001")
        info = client.get_shop_info(shop_id="100000001", access_token=tokens["access_token"])
        assert info["shop_name"] == "Kedai MY"
        assert client.get_lost_push_message()["push_message_list"] == []


def test_revoking_tokens_of_an_unknown_shop_is_refused_and_changes_nothing(simulator, tokens):
    base = simulator.base_url + "/__sim__/tokens/revoke"
    refused = requests.post(base, json={"shop_id": "999"}, timeout=5)
    assert refused.status_code == 400 and refused.json()["error"] == "SimError"
    assert requests.post(base, json={}, timeout=5).status_code == 400  # no shop named
    simulator.sim.check_access(tokens["access_token"], "100000001")  # still works


def test_a_delay_is_set_per_endpoint_and_a_bad_one_is_refused_whole(simulator):
    base = simulator.base_url + "/__sim__/"
    set_ok = requests.post(
        base + "faults", json={"delays": {"order/get_order_detail": 2.5}}, timeout=5
    )
    assert set_ok.json()["delays"] == {"/api/v2/order/get_order_detail": 2.5}
    assert simulator.sim.faults.delay("/api/v2/order/get_order_detail") == 2.5
    assert simulator.sim.faults.delay("/api/v2/order/get_escrow_detail") == 0
    for bad in ({"a": -1}, {"a": 601}, {"a": "10"}, {"a": True}, ["order/get_order_detail"]):
        refused = requests.post(
            base + "faults", json={"delays": bad, "error_5xx_pct": 50}, timeout=5
        )
        assert refused.status_code == 400, bad
        assert "delay" in refused.json()["message"]
    unchanged = requests.get(base + "faults", timeout=5).json()
    assert unchanged["delays"] == {"/api/v2/order/get_order_detail": 2.5}
    assert unchanged["error_5xx_pct"] == 0  # nothing of a refused request was applied
