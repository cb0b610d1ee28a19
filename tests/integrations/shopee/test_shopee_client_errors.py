"""Every simulator refusal carries Shopee's error, and the client maps it to the right
platform-neutral exception."""

from __future__ import annotations

import logging

import pytest
import requests

from integrations import errors as e
from integrations.shopee.client import ShopeeClient
from integrations.shopee.errors import to_exception
from integrations.shopee.simulator import ERRORS, buyer_message, place_order, request_return
from integrations.types import OutboundMessage, ShopAuth

BUYER = 2**60 + 12345  # above 2**53 on purpose


def test_wrong_path_gives_shopee_body_and_status(simulator, client, my_shop):
    # Raw call first: the exact body and HTTP status a wrong path produces.
    resp = requests.get(simulator.base_url + "/api/v2/sellerchat/get_conversations", timeout=5)
    body = resp.json()
    assert resp.status_code == ERRORS["wrong_path"][2]
    assert body["error"] == "error_param"
    assert body["message"] == (
        "Permission denied. This API is currently offline or the request path is incorrect."
    )
    assert body["request_id"]
    with pytest.raises(e.NotFound) as info:
        client.call("GET", "sellerchat/get_conversations", **my_shop)
    assert info.value.permanent and info.value.request_id


def test_wrong_sign_is_sign_error(simulator, my_shop):
    cfg = simulator.sim.config
    bad = ShopeeClient(
        partner_id=cfg.partner_id, partner_key=cfg.partner_key[4:], host=simulator.base_url
    )
    with pytest.raises(e.SignError) as info:
        bad.get_shop_info(**my_shop)
    assert (info.value.code, info.value.message) == ("error_sign", "Wrong sign.")
    assert info.value.permanent


def test_timestamp_outside_window_is_param_error_and_logs_skew(simulator, client, my_shop, caplog):
    caplog.set_level(logging.WARNING, logger="integrations.shopee.signing")
    simulator.sim.advance_clock(400)  # Shopee's clock 400 s ahead of ours
    with pytest.raises(e.ParamError) as info:
        client.get_shop_info(**my_shop)
    assert (info.value.code, info.value.message) == ("error_param", "Timestamp is expired.")
    assert any("CLOCK SKEW" in r.getMessage() for r in caplog.records)


def test_future_timestamp_is_invalid(simulator, client, my_shop):
    simulator.sim.advance_clock(-400)
    with pytest.raises(e.ParamError, match="Invalid timestamp"):
        client.get_shop_info(**my_shop)


def test_unknown_access_token(client):
    with pytest.raises(e.AuthError) as info:
        client.get_shop_info(shop_id="100000001", access_token="00" * 16)
    assert info.value.code == "invalid_acceess_token"  # Shopee's spelling
    assert info.value.retryable  # refresh, then retry


def test_expired_access_token(simulator, client):
    # Lifetimes are seconds in tests; the clock moves a little, staying inside the 5 min window.
    simulator.sim.config.access_ttl = 5
    t = simulator.sim.issue_tokens("100000001")
    client.get_shop_info(shop_id="100000001", access_token=t["access_token"])
    simulator.sim.advance_clock(6)
    with pytest.raises(e.AuthError):
        client.get_shop_info(shop_id="100000001", access_token=t["access_token"])


def test_old_access_token_survives_refresh_for_a_grace_period(simulator, adapter, tokens):
    simulator.sim.config.refresh_grace = 10  # 300 s on Shopee; shortened to stay in the window
    auth = ShopAuth("100000001", tokens["access_token"])
    adapter.refresh_tokens(refresh_token=tokens["refresh_token"], shop_id="100000001")
    adapter.get_shop_info(auth)
    simulator.sim.advance_clock(9)
    adapter.get_shop_info(auth)
    simulator.sim.advance_clock(2)
    with pytest.raises(e.AuthError):
        adapter.get_shop_info(auth)


def test_token_of_another_shop_is_refused(client, my_shop):
    with pytest.raises(e.AuthError):
        client.get_shop_info(shop_id="100000002", access_token=my_shop["access_token"])


def test_refresh_token_is_single_use(adapter, tokens):
    pair = adapter.refresh_tokens(refresh_token=tokens["refresh_token"], shop_id="100000001")
    assert pair.refresh_token != tokens["refresh_token"]
    with pytest.raises(e.RefreshTokenInvalid) as info:
        adapter.refresh_tokens(refresh_token=tokens["refresh_token"], shop_id="100000001")
    assert info.value.code == "error_shop_refresh_token"
    assert info.value.permanent
    # The rotated token works exactly once more.
    adapter.refresh_tokens(refresh_token=pair.refresh_token, shop_id="100000001")


def test_expired_refresh_token(simulator, adapter):
    simulator.sim.config.refresh_ttl = 5
    t = simulator.sim.issue_tokens("100000001")
    simulator.sim.advance_clock(6)
    with pytest.raises(e.RefreshTokenInvalid) as info:
        adapter.refresh_tokens(refresh_token=t["refresh_token"], shop_id="100000001")
    assert info.value.code == "refresh_token_expired"


def test_used_auth_code_is_refused(simulator, adapter):
    code = simulator.sim.create_code(shop_id="100000002")
    adapter.exchange_code(code=code, shop_id="100000002")
    with pytest.raises(e.RefreshTokenInvalid) as info:
        adapter.exchange_code(code=code, shop_id="100000002")
    assert info.value.code == "invalid_code"


def test_order_window_error_matches_on_suffix(client, my_shop):
    with pytest.raises(e.ParamError) as info:
        client.get_order_list(**my_shop, time_from=0, time_to=16 * 86400)
    assert info.value.code == "order.order_list_invalid_time"


# -- send rules ------------------------------------------------------------------------------


@pytest.fixture
def chat(simulator, my_shop, adapter):
    """A buyer who just wrote to shop MY, so replies are allowed."""
    buyer_message(simulator.sim, shop_id="100000001", buyer_id=BUYER, text="Do you have size L?")
    return ShopAuth(**my_shop)


def _send(adapter, auth, text, **kw):
    return adapter.send_message(
        auth, OutboundMessage(shop_id=auth.shop_id, buyer_id=str(BUYER), text=text, **kw)
    )


def _refused(adapter, auth, text, **kw) -> e.ForbiddenSend:
    with pytest.raises(e.ForbiddenSend) as info:
        _send(adapter, auth, text, **kw)
    assert info.value.permanent
    return info.value


def test_600_characters_pass_601_are_refused(simulator, adapter, chat):
    _send(adapter, chat, "x" * 600)
    err = _refused(adapter, chat, "y" * 601)
    assert (err.code, err.reason) == ("message_too_long", e.ForbiddenSend.TOO_LONG)


def test_sixth_unanswered_message_is_refused_until_buyer_replies(simulator, adapter, chat):
    for i in range(5):
        _send(adapter, chat, f"update {i}")
    err = _refused(adapter, chat, "update 5")
    assert (err.code, err.reason) == ("reach_5_message_limit", e.ForbiddenSend.TOO_MANY_UNANSWERED)
    buyer_message(simulator.sim, shop_id="100000001", buyer_id=BUYER, text="ok thanks")
    _send(adapter, chat, "update 5")
    assert simulator.sim.snapshot_stats()["seller_messages_per_buyer"][str(BUYER)] == 6


def test_same_text_within_24h_is_refused(simulator, adapter, chat):
    _send(adapter, chat, "Your parcel ships today.")
    err = _refused(adapter, chat, "Your parcel ships today.")
    assert (err.code, err.reason) == ("error_business", e.ForbiddenSend.DUPLICATE_TEXT)
    # Age the sent message by a day (moving the clock would break the 5 min request window).
    for m in simulator.sim.conversation_for("100000001", BUYER)["messages"]:
        m["created_timestamp"] -= 86401
        m["_ns"] -= 86401 * 10**9
    simulator.sim.buyers[BUYER]["last_chat_at"] = simulator.sim.now()
    _send(adapter, chat, "Your parcel ships today.")


def test_buyer_silent_for_7_days_without_recent_order_is_refused(simulator, adapter, chat):
    simulator.sim.buyers[BUYER]["last_chat_at"] -= 7 * 86400 + 60
    err = _refused(adapter, chat, "Hello again")
    assert (err.code, err.reason) == ("user_is_forbidden", e.ForbiddenSend.BUYER_NOT_ELIGIBLE)


def test_recent_order_or_open_return_makes_buyer_reachable(simulator, adapter, my_shop):
    auth = ShopAuth(**my_shop)
    order = place_order(simulator.sim, shop_id="100000001", buyer_id=BUYER)
    # Ordered, never chatted: allowed, but the first message must carry the order.
    err = _refused(adapter, auth, "Thanks for your order")
    assert (err.code, err.reason) == (
        "first_chat_without_order_info",
        e.ForbiddenSend.FIRST_MESSAGE_NEEDS_ORDER,
    )
    _send(adapter, auth, "Thanks for your order", context_order_ref=order["order_sn"])
    # 31 days later only an open return keeps the buyer reachable.
    simulator.sim.buyers[BUYER]["last_order_at"] -= 31 * 86400
    simulator.sim.orders[order["order_sn"]]["order_status"] = "COMPLETED"
    _refused(adapter, auth, "How was it?")
    request_return(simulator.sim, order_sn=order["order_sn"])
    _send(adapter, auth, "We received your return request")


def test_unknown_buyer_is_refused(adapter, my_shop):
    auth = ShopAuth(**my_shop)
    with pytest.raises(e.ForbiddenSend) as info:
        adapter.send_message(auth, OutboundMessage(shop_id=auth.shop_id, buyer_id="42", text="hi"))
    assert info.value.reason == e.ForbiddenSend.BUYER_NOT_ELIGIBLE


def test_tw_shop_cannot_send(simulator, adapter):
    t = simulator.sim.issue_tokens("100000003")
    auth = ShopAuth("100000003", t["access_token"])
    buyer_message(simulator.sim, shop_id="100000003", buyer_id=BUYER, text="請問有貨嗎？")
    with pytest.raises(e.ForbiddenSend) as info:
        adapter.send_message(
            auth, OutboundMessage(shop_id="100000003", buyer_id=str(BUYER), text="有")
        )
    assert info.value.reason == e.ForbiddenSend.REGION_NOT_SUPPORTED
    with pytest.raises(e.ForbiddenSend):
        adapter.send_message(
            auth,
            OutboundMessage(shop_id="100000003", buyer_id=str(BUYER), text="有", auto_reply=True),
        )
    assert simulator.sim.snapshot_stats()["seller_messages_per_buyer"] == {}


@pytest.mark.parametrize(
    ("code", "message", "status", "path", "cls"),
    [
        ("common.error_auth", "Invalid access_token.", 403, "", e.AuthError),
        ("error_auth", "No permission to current api.", 403, "", e.PermissionDenied),
        ("shop_access_expired", "", 403, "", e.ShopAccessRevoked),
        ("error_rate_limit", "Too many requests", 429, "", e.RateLimited),
        ("error_limit", "daily limit", 200, "", e.RateLimited),
        ("error_server", "", 500, "", e.ServerError),
        ("", "bad gateway", 502, "", e.ServerError),
        ("error_not_found", "", 404, "", e.NotFound),
        ("error_business", "other rule", 200, "/api/v2/sellerchat/send_message", e.ForbiddenSend),
        ("error_business", "other rule", 200, "/api/v2/order/get_order_list", e.AdapterError),
    ],
)
def test_error_table(code, message, status, path, cls):
    exc = to_exception(code=code, message=message, http_status=status, path=path)
    assert type(exc) is cls


def test_daily_limit_carries_time_until_reset():
    # error_limit resets at 00:00 UTC+8: retry_after exceeds the in-call backoff budget.
    exc = to_exception(code="error_limit", message="", http_status=429)
    assert exc.retry_after is not None and 0 < exc.retry_after <= 86400


@pytest.mark.parametrize(("partner_id", "partner_key"), [("", ""), ("", "shpk1"), ("2001887", "")])
def test_an_unregistered_app_refuses_every_call_without_sending(simulator, partner_id, partner_key):
    unset = ShopeeClient(partner_id=partner_id, partner_key=partner_key, host=simulator.base_url)
    with pytest.raises(e.NotConfigured, match="SHOPEE_PARTNER_ID and SHOPEE_PARTNER_KEY") as info:
        unset.get_shops_by_partner()
    assert info.value.permanent and info.value.code == "not_configured"
    assert sum(simulator.sim.calls.values()) == 0  # nothing was sent
