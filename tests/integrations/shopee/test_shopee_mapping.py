"""The adapter maps stored Shopee payloads (fixtures/) to neutral DTOs: ids as str, ns vs s
timestamps, push codes to kinds with stable dedup keys."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from conftest import load

from integrations.shopee import mapping as m
from integrations.shopee.adapter import ShopeeAdapter
from integrations.types import MessageKind, OrderStatus, PushKind, SenderRole

BIG = 9007199254740993  # 2**53 + 1: a float cannot hold it


def test_conversation_ns_timestamp_and_big_ids():
    data = load("conversation_list.json")["response"]
    conv = m.conversation_from_shopee(data["conversations"][0], shop_id="727720655")
    assert conv.buyer_id == str(BIG)
    assert conv.platform_conversation_id == "1234567890123456789"
    # 1660123127123456789 ns = 2022-08-10 09:18:47.123456 UTC (µs precision kept, no float)
    assert conv.last_message_at == datetime(2022, 8, 10, 9, 18, 47, 123456, tzinfo=UTC)
    assert conv.awaiting_reply is True and conv.unread_count == 2
    assert conv.last_message_kind is MessageKind.TEXT


def test_conversation_pages_walk_older_with_the_nano_cursor(simulator, adapter, my_shop):
    from integrations.shopee.simulator import buyer_message
    from integrations.types import ShopAuth

    for n in range(3):
        buyer_message(simulator.sim, shop_id="100000001", buyer_id=BIG + n, text=f"q{n}")
    auth = ShopAuth(**my_shop)
    first = adapter.list_conversations(auth, page_size=2)
    assert first.has_more and first.next_cursor.isdigit() and len(first.next_cursor) == 19
    second = adapter.list_conversations(auth, cursor=first.next_cursor, page_size=2)
    seen = [c.last_message_text for c in first.items + second.items]
    assert seen == ["q2", "q1", "q0"] and not second.has_more


def test_messages_seconds_sender_kinds():
    msgs = [
        m.message_from_shopee(x, shop_id="727720655")
        for x in load("message_list.json")["response"]["messages"]
    ]
    text, sticker, image = msgs
    assert text.sent_at == datetime(2022, 8, 10, 9, 18, 47, tzinfo=UTC)
    assert (text.sender, text.sender_id, text.recipient_id) == (
        SenderRole.BUYER,
        str(BIG),
        "727720655",
    )
    assert text.extra["context_order_ref"] == "220810QSK8S7BX"
    assert text.quoted_message_id == "2146512723138578400"
    assert (sticker.sender, sticker.kind, sticker.sticker) == (
        SenderRole.SELLER,
        MessageKind.STICKER,
        "br_shoppito/0007",
    )
    assert sticker.is_auto_reply is True
    assert (image.kind, image.image_url) == (
        MessageKind.IMAGE,
        "https://cf.shopee.com.br/file/img1",
    )
    assert all(isinstance(x.platform_message_id, str) for x in msgs)


def test_float_ids_are_refused_rather_than_silently_rounded():
    with pytest.raises(ValueError):
        m.sid(float(BIG))
    assert m.sid(BIG) == "9007199254740993"


def test_nanos_round_trip():
    dt = datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC)
    assert m.from_nanos(m.to_nanos(dt)) == dt


def test_order_detail():
    order = m.order_from_shopee(
        load("order_detail.json")["response"]["order_list"][0], shop_id="727720655"
    )
    assert (order.order_ref, order.status, order.currency) == ("220810QSK8S7BX", "SHIPPED", "BRL")
    assert order.total == Decimal("129.9")
    assert order.buyer_id == str(BIG)
    assert order.items[0].item_id == "100000000001" and order.items[0].variant_name == "42"
    assert order.tracking_numbers == ("BR123456789BR",)
    assert order.carrier == "Correios Sedex"  # package-level carrier wins over the root one
    assert order.created_at == datetime(2022, 8, 8, 23, 6, 40, tzinfo=UTC)


def test_return_detail():
    r = m.return_from_shopee(load("return_detail.json")["response"], shop_id="727720655")
    assert (r.return_ref, r.order_ref, r.status) == (
        "2208100000123456789",
        "220810QSK8S7BX",
        "REQUESTED",
    )
    assert r.refund_only is True and r.refund_amount == Decimal("129.9")
    assert r.buyer_note == "Chegou quebrado" and r.item_ids == ("100000000001",)
    assert r.due_at == datetime(2022, 8, 14, 6, 40, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expire_in", "expected"), [(13859, 1_700_013_859), (1_767_001_812, 1_767_001_812)]
)
def test_token_expire_in_duration_or_epoch(expire_in, expected):
    data = dict(load("token_get.json"), expire_in=expire_in)
    pair = m.token_pair_from_shopee(data, now=1_700_000_000)
    assert pair.expires_at == datetime.fromtimestamp(expected, tz=UTC)
    assert pair.shop_ids == ("727720655", "727720656")


def test_webchat_push_maps_to_chat_message():
    raw = (load.__globals__["FIXTURES"] / "push_webchat.json").read_bytes()
    adapter = ShopeeAdapter(partner_id=1, partner_key="k")
    (event,) = adapter.parse_push(raw)
    assert event.kind is PushKind.CHAT_MESSAGE and event.shop_id == "727720655"
    msg = event.payload.message
    assert (msg.text, msg.sender_id, msg.sender) == (
        "Where is my order?",
        str(BIG),
        SenderRole.BUYER,
    )
    assert event.dedup_key == "shopee:10:727720655:2146512723138578433"
    # The same push delivered twice yields the same key (dedupe), a different message does not.
    assert adapter.parse_push(raw)[0].dedup_key == event.dedup_key


def test_order_status_push_dedup_includes_status_and_time():
    body = load("push_order_status.json")
    a = m.push_event_from_shopee(body)
    b = m.push_event_from_shopee(dict(body, data=dict(body["data"], status="SHIPPED")))
    assert a.kind is PushKind.ORDER_STATUS
    assert (a.payload.order_ref, a.payload.status) == ("220810QSK8S7BX", "PROCESSED")
    assert a.payload.status_code is OrderStatus.PROCESSED
    assert a.dedup_key != b.dedup_key
    assert a.occurred_at == datetime(2022, 8, 10, 9, 18, 47, tzinfo=UTC)


def test_lost_push_entries_with_string_or_object_data():
    events = [
        m.push_event_from_shopee(p) for p in load("lost_push.json")["response"]["push_message_list"]
    ]
    assert [e.kind for e in events] == [
        PushKind.TRACKING_NUMBER,
        PushKind.DEAUTHORIZED,
        PushKind.RETURN_UPDATE,
        PushKind.TOKEN_EXPIRING,
        PushKind.UNKNOWN,
    ]
    tracking, deauth, ret, expiring, unknown = events
    assert tracking.payload.tracking_number == "BR123456789BR"  # data was a JSON string
    assert deauth.shop_id is None and deauth.payload.shop_ids == ("727720656",)
    assert ret.payload.return_ref == "2208100000123456789"
    assert expiring.payload.expires_before == datetime(2022, 8, 17, 9, 25, tzinfo=UTC)
    assert unknown.platform_code == "28" and unknown.dedup_key.startswith("shopee:28:727720655:")


def test_no_vendor_field_names_leak_into_payloads():
    vendor = {"ordersn", "tracking_no", "return_sn", "shop_id_list", "to_id", "from_id"}
    for p in load("lost_push.json")["response"]["push_message_list"]:
        payload = m.push_event_from_shopee(p).payload
        names = {f.name for f in dataclasses.fields(payload)} if payload else set()
        assert not vendor & names, payload


def test_non_object_push_body_is_rejected():
    with pytest.raises(ValueError):
        ShopeeAdapter(partner_id=1, partner_key="k").parse_push(json.dumps([1, 2]).encode())
