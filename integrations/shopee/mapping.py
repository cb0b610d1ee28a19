"""Pure functions mapping Shopee payloads to ``integrations.types``. No I/O here.

Units: chat-list ``last_message_timestamp`` is nanoseconds, message ``created_timestamp`` and all
order/return times are seconds (doc §5.2, §5.3, pitfall 10). Every id becomes ``str``.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from integrations import untrusted_json
from integrations.shopee import rules
from integrations.types import (
    AuthPush,
    ChatMessagePush,
    Conversation,
    Message,
    MessageKind,
    Order,
    OrderItem,
    OrderStatusPush,
    PushEvent,
    PushKind,
    PushPayload,
    Rating,
    ReturnPush,
    ReturnRequest,
    SenderRole,
    ShopInfo,
    ShopPerformance,
    TokenPair,
    Tracking,
    TrackingEvent,
    TrackingPush,
)

AUTO_REPLY_OPTION = 129  # message_option measured on auto-replies (doc §5.3)


def sid(value: Any) -> str:
    """A platform id as str. Floats are refused: they would already have lost digits."""
    if type(value) is int:  # how JSON ids usually arrive; checked first as a pull maps thousands
        return str(value)
    if value is None or value == "":
        return ""
    if isinstance(value, (bool, float)):
        raise ValueError(f"id must be int or str, got {type(value).__name__}: {value!r}")
    return str(value).strip()


def from_seconds(value: Any) -> datetime | None:
    if type(value) is int and value > 0:
        return datetime.fromtimestamp(value, tz=UTC)
    if value in (None, "", 0, "0"):
        return None
    return datetime.fromtimestamp(int(value), tz=UTC)


def from_nanos(value: Any) -> datetime | None:
    if value in (None, "", 0, "0"):
        return None
    sec, nanos = divmod(int(value), 10**9)  # integer math: no float rounding of 19 digits
    return datetime.fromtimestamp(sec, tz=UTC) + timedelta(microseconds=nanos // 1000)


def to_nanos(dt: datetime) -> int:
    delta = dt - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86400 + delta.seconds) * 10**9 + delta.microseconds * 1000


def money(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


_KINDS = {
    "text": MessageKind.TEXT,
    "image": MessageKind.IMAGE,
    "image_with_text": MessageKind.IMAGE,
    "sticker": MessageKind.STICKER,
    "item": MessageKind.ITEM,
    "order": MessageKind.ORDER,
    "video": MessageKind.VIDEO,
    "voucher": MessageKind.VOUCHER,
    "notification": MessageKind.NOTIFICATION,
}
_OUT_TYPES = {v: k for k, v in _KINDS.items() if k != "image_with_text"}


def message_kind(message_type: str | None) -> MessageKind:
    return _KINDS.get((message_type or "").lower(), MessageKind.OTHER)


def message_type_for(kind: MessageKind) -> str:
    return _OUT_TYPES[kind]


def message_from_shopee(d: dict[str, Any], *, shop_id: str | None = None) -> Message:
    content = d.get("content") or {}
    if isinstance(content, str):
        content = untrusted_json.loads(content)
    from_shop = sid(d.get("from_shop_id"))
    # Buyer-sent messages carry from_shop_id=0; seller-sent carry the shop id.
    sender = SenderRole.SELLER if from_shop and from_shop != "0" else SenderRole.BUYER
    own_shop = sid(shop_id) or (
        from_shop if sender is SenderRole.SELLER else sid(d.get("to_shop_id"))
    )
    sticker = ""
    if content.get("sticker_id"):
        sticker = f"{content.get('sticker_package_id', '')}/{content['sticker_id']}"
    source = d.get("source_content") or {}
    status = str(d.get("status") or "")
    return Message(
        platform_message_id=sid(d.get("message_id")),
        conversation_id=sid(d.get("conversation_id")),
        shop_id=own_shop,
        sender=sender,
        sender_id=sid(d.get("from_id")),
        recipient_id=sid(d.get("to_id")),
        kind=message_kind(d.get("message_type")),
        sent_at=from_seconds(d.get("created_timestamp")) or datetime.now(UTC),
        text=str(content.get("text") or ""),
        image_url=str(content.get("url") or content.get("image_url") or ""),
        item_id=sid(content.get("item_id")),
        order_ref=str(content.get("order_sn") or ""),
        sticker=sticker,
        is_auto_reply=status in {"auto_reply", "offwork_autoreply"}
        or d.get("message_option") == AUTO_REPLY_OPTION,
        quoted_message_id=sid((d.get("quoted_msg") or {}).get("message_id")),
        extra={
            "context_order_ref": str(source.get("order_sn") or ""),
            "region": d.get("region"),
            # Pushes name the sender; the console shows it until a conversation list names them.
            "sender_name": str(d.get("from_user_name") or ""),
        },
    )


def conversation_from_shopee(d: dict[str, Any], *, shop_id: str | None = None) -> Conversation:
    latest = d.get("latest_message_content") or {}
    buyer_id = sid(d.get("to_id"))
    return Conversation(
        platform_conversation_id=sid(d.get("conversation_id")),
        shop_id=sid(d.get("shop_id")) or sid(shop_id),
        buyer_id=buyer_id,
        buyer_name=str(d.get("to_name") or ""),
        buyer_avatar=str(d.get("to_avatar") or ""),
        last_message_at=from_nanos(d.get("last_message_timestamp")),
        unread_count=int(d.get("unread_count") or 0),
        pinned=bool(d.get("pinned")),
        last_message_id=sid(d.get("latest_message_id")),
        last_message_kind=message_kind(d.get("latest_message_type")),
        last_message_text=str(latest.get("text") or "") if isinstance(latest, dict) else "",
        last_read_message_id=sid(d.get("last_read_message_id")),
        awaiting_reply=bool(buyer_id) and sid(d.get("latest_message_from_id")) == buyer_id,
    )


def order_from_shopee(d: dict[str, Any], *, shop_id: str) -> Order:
    items = tuple(
        OrderItem(
            item_id=sid(i.get("item_id")),
            name=str(i.get("item_name") or ""),
            quantity=int(i.get("model_quantity_purchased") or 0),
            variant_id=sid(i.get("model_id")),
            variant_name=str(i.get("model_name") or ""),
            unit_price=money(i.get("model_discounted_price")),
            image_url=str((i.get("image_info") or {}).get("image_url") or ""),
        )
        for i in d.get("item_list") or []
    )
    packages = d.get("package_list") or []
    tracking = tuple(str(p["tracking_number"]) for p in packages if p.get("tracking_number"))
    carrier = next((p.get("shipping_carrier") for p in packages if p.get("shipping_carrier")), "")
    status = str(d.get("order_status") or "")
    return Order(
        order_ref=str(d["order_sn"]),
        shop_id=sid(shop_id),
        status=status,
        status_code=rules.order_status(status),
        created_at=from_seconds(d.get("create_time")) or datetime.now(UTC),
        updated_at=from_seconds(d.get("update_time")) or datetime.now(UTC),
        currency=str(d.get("currency") or ""),
        total=money(d.get("total_amount")),
        buyer_id=sid(d.get("buyer_user_id")),
        buyer_name=str(d.get("buyer_username") or ""),
        region=str(d.get("region") or ""),
        items=items,
        tracking_numbers=tracking,
        carrier=str(carrier or d.get("shipping_carrier") or ""),
        note=str(d.get("note") or ""),
        cancel_reason=str(d.get("cancel_reason") or d.get("buyer_cancel_reason") or ""),
        ship_by=from_seconds(d.get("ship_by_date")),  # 0 until the order is paid
    )


def tracking_from_shopee(
    order_sn: str, number: dict[str, Any], info: dict[str, Any] | None = None
) -> Tracking:
    info = info or {}
    events = tuple(
        TrackingEvent(
            at=from_seconds(ev.get("update_time")) or datetime.now(UTC),
            description=str(ev.get("description") or ""),
            status=str(ev.get("logistics_status") or ""),
        )
        for ev in info.get("tracking_info") or []
    )
    status = str(info.get("logistics_status") or "")
    return Tracking(
        order_ref=order_sn,
        tracking_number=str(number.get("tracking_number") or ""),
        status=status,
        status_code=rules.tracking_status(status),
        package_ref=str(info.get("package_number") or ""),
        events=tuple(sorted(events, key=lambda ev: ev.at)),
    )


def return_from_shopee(d: dict[str, Any], *, shop_id: str) -> ReturnRequest:
    status, reason = str(d.get("status") or ""), str(d.get("reason") or "")
    return ReturnRequest(
        return_ref=sid(d.get("return_sn")),
        order_ref=str(d.get("order_sn") or ""),
        shop_id=sid(shop_id),
        status=status,
        status_code=rules.return_status(status),
        reason=reason,
        reason_code=rules.return_reason(reason),
        buyer_note=str(d.get("text_reason") or ""),
        created_at=from_seconds(d.get("create_time")) or datetime.now(UTC),
        updated_at=from_seconds(d.get("update_time")) or datetime.now(UTC),
        refund_amount=money(d.get("refund_amount")),
        currency=str(d.get("currency") or ""),
        refund_only=d.get("return_solution") == 1,
        due_at=from_seconds(d.get("due_date")),
        tracking_number=str(d.get("tracking_number") or ""),
        buyer_name=str((d.get("user") or {}).get("username") or ""),
        item_ids=tuple(sid(i.get("item_id")) for i in d.get("item") or []),
    )


def rating_from_shopee(d: dict[str, Any]) -> Rating:
    return Rating(
        rating_id=sid(d.get("comment_id")),
        item_id=sid(d.get("item_id")),
        stars=int(d.get("rating_star") or 0),
        text=str(d.get("comment") or ""),
        created_at=from_seconds(d.get("create_time")) or datetime.now(UTC),
        order_ref=str(d.get("order_sn") or ""),
        buyer_name=str(d.get("buyer_username") or ""),
    )


def shop_info_from_shopee(d: dict[str, Any], *, shop_id: str) -> ShopInfo:
    return ShopInfo(
        shop_id=sid(shop_id),
        name=str(d.get("shop_name") or ""),
        region=str(d.get("region") or "").upper(),
        status=str(d.get("status") or ""),
        authorization_expires_at=from_seconds(d.get("expire_time")),
        is_cross_border=bool(d.get("is_cb")),
        merchant_id=sid(d.get("merchant_id")),
    )


# v2.account_health.get_shop_performance metric ids and units (ratings reference §2.1).
METRIC_CHAT_RESPONSE_RATE = 11
METRIC_RESPONSE_TIME = 21
METRIC_NON_RESPONDED_CHATS = 23
UNIT_SECONDS = {3: 1, 4: 86400, 5: 3600}  # 3 second, 4 day, 5 hour
UNIT_PERCENT = 2
# The chat response rate covers the chats of the last 90 days (ratings reference §2.2).
CHAT_RATE_WINDOW = timedelta(days=90)


def _number(v: Any) -> float | None:
    try:
        out = float(v)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def shop_performance_from_shopee(
    d: dict[str, Any], *, shop_id: str, now: datetime
) -> ShopPerformance:
    metrics = {}
    for row in d.get("metric_list") or []:
        if isinstance(row, dict) and _number(row.get("metric_id")) is not None:
            metrics[int(_number(row["metric_id"]))] = row

    def value(mid: int) -> tuple[float | None, float | None, int | None]:
        row = metrics.get(mid) or {}
        target = row.get("target") if isinstance(row.get("target"), dict) else {}
        return _number(row.get("current_period")), _number(target.get("value")), row.get("unit")

    rate, rate_target, rate_unit = value(METRIC_CHAT_RESPONSE_RATE)
    if rate_unit == UNIT_PERCENT or (rate is not None and rate > 1):
        rate = None if rate is None else rate / 100
        rate_target = None if rate_target is None else rate_target / 100
    seconds, seconds_target, time_unit = value(METRIC_RESPONSE_TIME)
    factor = UNIT_SECONDS.get(time_unit or 3, 1)
    non_responded = value(METRIC_NON_RESPONDED_CHATS)[0]
    return ShopPerformance(
        shop_id=sid(shop_id),
        chat_response_rate=rate,
        response_time_seconds=None if seconds is None else seconds * factor,
        period_start=now - CHAT_RATE_WINDOW,
        period_end=now,
        fetched_at=now,
        non_responded_chats=None if non_responded is None else int(non_responded),
        response_rate_target=rate_target,
        response_time_target_seconds=None if seconds_target is None else seconds_target * factor,
        raw=d,
    )


def token_pair_from_shopee(
    d: dict[str, Any],
    *,
    shop_id: str | None = None,
    merchant_id: str | None = None,
    now: float | None = None,
) -> TokenPair:
    expire_in = int(d.get("expire_in") or 14400)
    base = time.time() if now is None else now
    # The guide says duration; one schema sample shows an epoch. Above 1e9 it is absolute.
    expires = expire_in if expire_in > 1_000_000_000 else base + expire_in
    return TokenPair(
        access_token=str(d["access_token"]),
        refresh_token=str(d["refresh_token"]),
        expires_at=datetime.fromtimestamp(int(expires), tz=UTC),
        shop_id=sid(shop_id or d.get("shop_id")) or None,
        merchant_id=sid(merchant_id or d.get("merchant_id")) or None,
        shop_ids=tuple(sid(x) for x in d.get("shop_id_list") or []),
        merchant_ids=tuple(sid(x) for x in d.get("merchant_id_list") or []),
    )


# -- push ----------------------------------------------------------------------------------


def _digest(data: Any) -> str:
    raw = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _ids(data: dict[str, Any], key: str) -> list[str]:
    return [sid(x) for x in data.get(key) or []]


def _push_chat(data, shop_id) -> tuple[PushPayload, str]:
    if data.get("type") == "message" and isinstance(data.get("content"), dict):
        msg = message_from_shopee(data["content"], shop_id=shop_id)
        payload = ChatMessagePush(conversation_id=msg.conversation_id, message=msg)
        return payload, msg.platform_message_id
    content = data.get("content") if isinstance(data.get("content"), dict) else {}
    payload = ChatMessagePush(conversation_id=sid(content.get("conversation_id")))
    return payload, f"n:{_digest(data)}"


def _push_order(data, shop_id) -> tuple[PushPayload, str]:
    status = str(data.get("status") or "")
    payload = OrderStatusPush(
        order_ref=str(data.get("ordersn") or ""),
        status=status,
        status_code=rules.order_status(status),
    )
    return payload, f"{payload.order_ref}:{status}:{data.get('update_time', '')}"


def _push_tracking(data, shop_id) -> tuple[PushPayload, str]:
    payload = TrackingPush(
        order_ref=str(data.get("ordersn") or ""),
        package_ref=str(data.get("package_number") or ""),
        tracking_number=str(data.get("tracking_no") or ""),
    )
    return payload, f"{payload.order_ref}:{payload.package_ref}:{payload.tracking_number}"


def _push_return(data, shop_id) -> tuple[PushPayload, str]:
    status = str(data.get("status") or "")
    payload = ReturnPush(
        return_ref=sid(data.get("return_sn")),
        order_ref=str(data.get("order_sn") or data.get("ordersn") or ""),
        status=status,
        status_code=rules.return_status(status),
    )
    return payload, f"{payload.return_ref}:{status}:{data.get('update_time', '')}"


def _push_auth(data, shop_id) -> tuple[PushPayload, str]:
    payload = AuthPush(
        shop_ids=tuple(
            _ids(data, "shop_id_list") or ([sid(data["shop_id"])] if "shop_id" in data else [])
        ),
        merchant_ids=tuple(_ids(data, "merchant_id_list")),
        main_account_id=sid(data.get("main_account_id")),
        expires_before=from_seconds(data["expire_before"]) if data.get("expire_before") else None,
    )
    return payload, _digest(data)


_PUSH = {
    10: (PushKind.CHAT_MESSAGE, _push_chat),
    3: (PushKind.ORDER_STATUS, _push_order),
    4: (PushKind.TRACKING_NUMBER, _push_tracking),
    29: (PushKind.RETURN_UPDATE, _push_return),
    1: (PushKind.AUTHORIZED, _push_auth),
    2: (PushKind.DEAUTHORIZED, _push_auth),
    12: (PushKind.TOKEN_EXPIRING, _push_auth),
}


def push_event_from_shopee(body: dict[str, Any]) -> PushEvent:
    code = int(body.get("code") or 0)
    shop_id = sid(body.get("shop_id"))
    shop_id = None if shop_id in ("", "0") else shop_id  # partner-level pushes carry none or 0
    data = body.get("data") or {}
    if isinstance(data, str):  # lost-push entries may carry data as a JSON string
        data = untrusted_json.loads(data) if data.strip() else {}
    kind, fn = _PUSH.get(code, (PushKind.UNKNOWN, None))
    if fn is None:
        payload, resource = None, _digest(data)
    else:
        payload, resource = fn(data, shop_id)
    if kind in (PushKind.AUTHORIZED, PushKind.DEAUTHORIZED, PushKind.TOKEN_EXPIRING):
        resource = f"{resource}:{body.get('timestamp', '')}"
    return PushEvent(
        kind=kind,
        shop_id=shop_id,
        dedup_key=f"shopee:{code}:{shop_id or '-'}:{resource}",
        occurred_at=from_seconds(body.get("timestamp")),
        payload=payload,
        platform_code=str(code),
    )
