"""Shopee /api/v2 endpoints as the simulator implements them: checks in Shopee's order (path,
partner, timestamp, sign, token), then the endpoint, returning Shopee-shaped envelopes."""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

from integrations.shopee.simulator import performance
from integrations.shopee.simulator.core import DAY, SimError, Simulator

Ctx = dict[str, Any]
# Where each endpoint puts its data (doc §3, §4 and the endpoint schemas): most wrap it in
# "response"; these answer at the top level of the body...
TOP_LEVEL = {
    "/api/v2/auth/token/get",
    "/api/v2/auth/access_token/get",
    "/api/v2/public/get_shops_by_partner",
    "/api/v2/shop/get_shop_info",
}
# ...and these return the bare envelope, with no "response" at all.
ENVELOPE_ONLY = {"/api/v2/push/confirm_consumed_lost_push_message"}


def _sign(key: str, msg: str) -> str:
    # Independent of integrations.shopee.signing on purpose: the simulator must not share the
    # code it is testing.
    return hmac.new(key.encode(), msg.encode(), hashlib.sha256).hexdigest()


def check_public(sim: Simulator, path: str, q: dict[str, str]) -> None:
    if not q.get("partner_id"):
        raise SimError("no_partner_id")
    if q["partner_id"] != str(sim.config.partner_id):
        raise SimError("invalid_partner_id")
    ts = q.get("timestamp", "")
    if not ts:
        raise SimError("no_timestamp")
    if not ts.isdigit():
        raise SimError("timestamp_invalid")
    delta = int(ts) - sim.now()
    if delta < -sim.config.timestamp_window:
        raise SimError("timestamp_expired")
    if delta > sim.config.timestamp_window:
        raise SimError("timestamp_invalid")
    if not q.get("sign"):
        raise SimError("no_sign")


def authenticate(sim: Simulator, path: str, q: dict[str, str], public: bool) -> str | None:
    check_public(sim, path, q)
    base = f"{q['partner_id']}{path}{q['timestamp']}"
    if public:
        if not hmac.compare_digest(_sign(sim.partner_key, base), q["sign"]):
            raise SimError("sign")
        return None
    if not q.get("access_token"):
        raise SimError("no_access_token")
    if not q.get("shop_id"):
        raise SimError("no_shop_id")
    expected = _sign(sim.partner_key, base + q["access_token"] + q["shop_id"])
    if not hmac.compare_digest(expected, q["sign"]):
        raise SimError("sign")
    sim.shop(q["shop_id"])
    sim.check_access(q["access_token"], q["shop_id"])
    return q["shop_id"]


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


# -- auth / public / push ----------------------------------------------------------------------


def token_get(sim: Simulator, c: Ctx) -> dict:
    b = c["body"]
    if _int(b.get("partner_id")) != sim.config.partner_id:
        raise SimError("invalid_partner_id")
    return sim.exchange_code(
        str(b.get("code", "")), shop_id=b.get("shop_id"), main_account_id=b.get("main_account_id")
    )


def access_token_get(sim: Simulator, c: Ctx) -> dict:
    b = c["body"]
    if _int(b.get("partner_id")) != sim.config.partner_id:
        raise SimError("invalid_partner_id")
    if b.get("shop_id") is None:
        raise SimError("no_shop_id")
    return sim.refresh(str(b.get("refresh_token", "")), b["shop_id"])


def shops_by_partner(sim: Simulator, c: Ctx) -> dict:
    size, page = _int(c["query"].get("page_size"), 100), max(1, _int(c["query"].get("page_no"), 1))
    now = int(sim.now())
    shops = [
        {
            "region": s.region,
            "shop_id": int(s.shop_id),
            "auth_time": now - DAY,
            "expire_time": now + 365 * DAY,
            "sip_affi_shops": [],
        }
        for s in sim.shops.values()
    ]
    chunk = shops[(page - 1) * size : page * size]
    return {"authed_shop_list": chunk, "more": page * size < len(shops)}


def lost_push(sim: Simulator, c: Ctx) -> dict:
    with sim.lock:
        batch = sim.lost_pushes[:100]
        out = [{k: v for k, v in p.items() if k != "message_id"} for p in batch]
        return {
            "push_message_list": out,
            "has_next_page": len(sim.lost_pushes) > 100,
            "last_message_id": batch[-1]["message_id"] if batch else 0,
        }


def confirm_lost_push(sim: Simulator, c: Ctx) -> dict:
    last = _int(c["body"].get("last_message_id"), -1)
    if last < 0:
        raise SimError("bad_param", "last_message_id is required")
    with sim.lock:
        before = len(sim.lost_pushes)
        sim.lost_pushes = [p for p in sim.lost_pushes if p["message_id"] > last]
        sim.stats["lost_push_confirmed"] += before - len(sim.lost_pushes)
    return {}


# -- shop --------------------------------------------------------------------------------------


def shop_info(sim: Simulator, c: Ctx) -> dict:
    s = sim.shop(c["shop_id"])
    now = int(sim.now())
    return {
        "shop_name": s.name,
        "region": s.region,
        "status": "NORMAL",
        "is_cb": False,
        "is_sip": False,
        "auth_time": now - DAY,
        "expire_time": now + 365 * DAY,
        "merchant_id": None,
    }


def shop_performance(sim: Simulator, c: Ctx) -> dict:
    """Computed from the shop's own chats (simulator/performance.py)."""
    with sim.lock:
        s = sim.shop(c["shop_id"])
        convs = [
            {"conversation_id": v["conversation_id"], "messages": list(v["messages"])}
            for (sid, _), v in sim.conversations.items()
            if sid == s.shop_id
        ]
    targets = {"response_rate": s.response_rate_target, "response_time": s.response_time_target}
    return performance.shop_performance(convs, sim.now(), targets)


# -- sellerchat --------------------------------------------------------------------------------


def _convs(sim: Simulator, shop_id: str) -> list[dict]:
    """The shop's conversations with messages, newest last message first (raw, not views)."""
    rows = [v for (sid, _), v in sim.conversations.items() if sid == shop_id and v["messages"]]
    return sorted(rows, key=lambda v: v["messages"][-1]["_ns"], reverse=True)


def conversation_list(sim: Simulator, c: Ctx) -> dict:
    q = c["query"]
    if q.get("direction") not in ("latest", "older") or q.get("type") not in (
        "all",
        "unread",
        "pinned",
    ):
        raise SimError("bad_param", "direction and type are required")
    size = min(max(_int(q.get("page_size"), 25), 1), 60)
    cursor = _int(q.get("next_timestamp_nano"), 0)
    with sim.lock:
        rows = _convs(sim, c["shop_id"])
        if cursor and q["direction"] == "older":
            rows = [v for v in rows if v["messages"][-1]["_ns"] < cursor]
        elif cursor:
            rows = [v for v in rows if v["messages"][-1]["_ns"] > cursor]
        if q["type"] == "pinned":
            rows = [v for v in rows if v["pinned"]]
        # Views (with their unread counts) only for what is returned: building one reads every
        # message of its conversation.
        if q["type"] == "unread":
            views = [view for view in map(sim.conversation_view, rows) if view["unread_count"]]
            page, more = views[:size], len(views) > size
        else:
            page, more = [sim.conversation_view(v) for v in rows[:size]], len(rows) > size
    last = page[-1] if page else None
    next_cursor = {
        "next_message_time_nano": str(last["last_message_timestamp"]) if last else "0",
        "conversation_id": last["conversation_id"] if last else "0",
    }
    return {
        "conversations": page,
        "page_result": {"page_size": len(page), "more": more, "next_cursor": next_cursor},
    }


def _conv(sim: Simulator, c: Ctx, conversation_id: Any) -> dict:
    conv = sim.conv_by_id.get(str(conversation_id))
    if conv is None or conv["shop_id"] != c["shop_id"]:
        raise SimError("not_found", "conversation not found")
    return conv


def one_conversation(sim: Simulator, c: Ctx) -> dict:
    with sim.lock:
        return sim.conversation_view(_conv(sim, c, c["query"].get("conversation_id")))


def get_message(sim: Simulator, c: Ctx) -> dict:
    q = c["query"]
    size = min(max(_int(q.get("page_size"), 25), 1), 60)
    start = _int(q.get("offset"), 0)
    with sim.lock:
        conv = _conv(sim, c, q.get("conversation_id"))
        msgs = conv["messages"][::-1]  # newest first
        if q.get("message_id_list"):
            wanted = set(q["message_id_list"].split(","))
            msgs = [m for m in msgs if m["message_id"] in wanted]
        page = [sim.public_message(m) for m in msgs[start : start + size]]
    more = start + size < len(msgs)
    return {
        "messages": page,
        "page_result": {"page_size": len(page), "next_offset": str(start + size) if more else "0"},
    }


def _send_checks(sim: Simulator, shop_id: str, to_id: int, text: str | None, has_order: bool):
    shop = sim.shop(shop_id)
    if shop.region == "TW":
        raise SimError("send_tw")
    if text is not None and len(text) > 600:
        raise SimError("message_too_long")
    buyer = sim.buyers.get(to_id)
    now = sim.now()
    if buyer is None:
        raise SimError("user_forbidden")
    chatted = buyer["last_chat_at"] is not None and now - buyer["last_chat_at"] <= 7 * DAY
    ordered = buyer["last_order_at"] is not None and now - buyer["last_order_at"] <= 30 * DAY
    open_return = any(
        r["buyer_id"] == to_id
        and r["status"] in ("REQUESTED", "PROCESSING", "JUDGING", "SELLER_DISPUTE")
        for r in sim.returns.values()
    )
    if not (chatted or ordered or open_return):
        raise SimError("user_forbidden")
    conv = sim.conversation_for(shop_id, to_id, create=False)
    if (conv is None or not conv["messages"]) and not has_order:
        raise SimError("first_chat")
    msgs = conv["messages"] if conv else []
    streak = 0
    for m in reversed(msgs):
        if m["from_shop_id"] == 0:
            break
        streak += 1
    if streak >= 5:
        raise SimError("reach_5")
    if text is not None:
        for m in msgs:
            if (
                m["from_shop_id"]
                and m["content"].get("text") == text
                and now - m["created_timestamp"] < DAY
            ):
                raise SimError("duplicate")


_SEND_TYPES = {"text", "sticker", "image", "item", "order"}


def send_message(sim: Simulator, c: Ctx) -> dict:
    b = c["body"]
    to_id, mtype, content = _int(b.get("to_id"), -1), b.get("message_type"), b.get("content")
    if to_id < 0 or mtype not in _SEND_TYPES or not isinstance(content, dict):
        raise SimError("bad_param", "to_id, message_type and content are required")
    order_sn = (b.get("source_content") or {}).get("order_sn") or (
        content.get("order_sn") if mtype == "order" else None
    )
    text = str(content.get("text", "")) if mtype == "text" else None
    with sim.lock:
        _send_checks(sim, c["shop_id"], to_id, text, bool(order_sn))
        conv = sim.conversation_for(c["shop_id"], to_id)
        extra = {"source_content": {"order_sn": order_sn}} if order_sn else {}
        msg = sim.add_message(conv, from_seller=True, message_type=mtype, content=content, **extra)
        sim.seller_messages[str(to_id)] += 1
        conv["last_read_message_id"] = max(conv["last_read_message_id"], msg["message_id"], key=int)
        return sim.public_message(msg)


def send_autoreply(sim: Simulator, c: Ctx) -> dict:
    b = c["body"]
    to_id, text = _int(b.get("to_id"), -1), str((b.get("content") or {}).get("text", ""))
    if to_id < 0 or not text:
        raise SimError("bad_param", "to_id and content.text are required")
    with sim.lock:
        _send_checks(sim, c["shop_id"], to_id, text, False)
        conv = sim.conversation_for(c["shop_id"], to_id)
        msg = sim.add_message(
            conv,
            from_seller=True,
            message_type="text",
            content={"text": text},
            status="auto_reply",
            message_option=129,
        )
        sim.seller_messages[str(to_id)] += 1
        return sim.public_message(msg)


def read_conversation(sim: Simulator, c: Ctx) -> dict:
    b = c["body"]
    with sim.lock:
        conv = _conv(sim, c, b.get("conversation_id"))
        if not b.get("last_read_message_id"):
            raise SimError("bad_param", "last_read_message_id is required")
        conv["last_read_message_id"] = max(
            conv["last_read_message_id"], str(b["last_read_message_id"]), key=int
        )
    return {}


def unread_count(sim: Simulator, c: Ctx) -> dict:
    with sim.lock:
        return {
            "total_unread_count": sum(
                1 for v in _convs(sim, c["shop_id"]) if sim.conversation_view(v)["unread_count"]
            )
        }


def upload_image(sim: Simulator, c: Ctx) -> dict:
    ctype = c["headers"].get("Content-Type", "")
    if "multipart/form-data" not in ctype:
        raise SimError("bad_param", "multipart/form-data with a file field is required")
    msg = email.parser.BytesParser(policy=email.policy.default).parsebytes(
        b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + c["raw"]
    )
    for part in msg.iter_parts() if msg.is_multipart() else []:
        if part.get_param("name", header="content-disposition") == "file":
            data = part.get_payload(decode=True) or b""
            key = hashlib.sha256(data).hexdigest()[:24]
            sim.images[key] = data
            return {
                "url": f"https://cf.shopee.sim/file/{key}",
                "thumbnail": f"https://cf.shopee.sim/file/{key}_tn",
            }
    raise SimError("bad_param", "file is required")


# -- orders, logistics, returns, products --------------------------------------------------------


def order_list(sim: Simulator, c: Ctx) -> dict:
    q = c["query"]
    field = q.get("time_range_field")
    t0, t1 = _int(q.get("time_from"), -1), _int(q.get("time_to"), -1)
    if field not in ("create_time", "update_time") or t0 < 0 or t1 < t0:
        raise SimError("bad_param", "time_range_field, time_from and time_to are required")
    if t1 - t0 > 15 * DAY:
        raise SimError("order_window")
    size = min(max(_int(q.get("page_size"), 20), 1), 100)
    with sim.lock:
        rows = sorted(
            (
                o
                for o in sim.orders.values()
                if o["shop_id"] == c["shop_id"] and t0 <= o[field] <= t1
            ),
            key=lambda o: o["order_sn"],
        )
    if q.get("order_status"):
        rows = [o for o in rows if o["order_status"] == q["order_status"]]
    start = _int(q.get("cursor"), 0)
    page = rows[start : start + size]
    more = start + size < len(rows)
    return {
        "more": more,
        "next_cursor": str(start + size) if more else "",
        "order_list": [
            {"order_sn": o["order_sn"], "order_status": o["order_status"]} for o in page
        ],
    }


def _order(sim: Simulator, c: Ctx, sn: Any) -> dict:
    o = sim.orders.get(str(sn))
    if o is None or o["shop_id"] != c["shop_id"]:
        raise SimError("not_found", "order not found")
    return o


def order_detail(sim: Simulator, c: Ctx) -> dict:
    sns = [s for s in c["query"].get("order_sn_list", "").split(",") if s]
    if not 1 <= len(sns) <= 50:
        raise SimError("bad_param", "order_sn_list must hold 1-50 values")
    with sim.lock:
        found = [
            sim.orders[s]
            for s in sns
            if s in sim.orders and sim.orders[s]["shop_id"] == c["shop_id"]
        ]
        return {
            "order_list": [
                {k: v for k, v in o.items() if not k.startswith("_") and k != "shop_id"}
                for o in found
            ]
        }


def tracking_number(sim: Simulator, c: Ctx) -> dict:
    with sim.lock:
        o = _order(sim, c, c["query"].get("order_sn"))
        return {
            "tracking_number": o["_tracking_no"],
            "hint": "" if o["_tracking_no"] else "tracking number not ready",
        }


def tracking_info(sim: Simulator, c: Ctx) -> dict:
    with sim.lock:
        o = _order(sim, c, c["query"].get("order_sn"))
        return {
            "order_sn": o["order_sn"],
            "package_number": o["package_list"][0]["package_number"],
            "logistics_status": o["_logistics_status"],
            "tracking_info": list(o["_tracking_events"]),
        }


def return_list(sim: Simulator, c: Ctx) -> dict:
    q = c["query"]
    if "page_no" not in q or "page_size" not in q:
        raise SimError("bad_param", "page_no and page_size are required")
    page_no, size = _int(q["page_no"]), min(max(_int(q["page_size"], 40), 1), 100)
    with sim.lock:
        rows = [r for r in sim.returns.values() if r["_shop_id"] == c["shop_id"]]
    if q.get("update_time_from"):
        rows = [r for r in rows if r["update_time"] >= _int(q["update_time_from"])]
    if q.get("update_time_to"):
        rows = [r for r in rows if r["update_time"] <= _int(q["update_time_to"])]
    rows.sort(key=lambda r: r["update_time"], reverse=True)
    page = rows[page_no * size : (page_no + 1) * size]  # page_no starts at 0
    return {"more": (page_no + 1) * size < len(rows), "return": [_public(r) for r in page]}


def return_detail(sim: Simulator, c: Ctx) -> dict:
    with sim.lock:
        r = sim.returns.get(str(c["query"].get("return_sn")))
        if r is None or r["_shop_id"] != c["shop_id"]:
            raise SimError("not_found", "return not found")
        return _public(r)


def _public(d: dict) -> dict:
    return {k: v for k, v in d.items() if not k.startswith("_") and k != "buyer_id"}


def item_base_info(sim: Simulator, c: Ctx) -> dict:
    wanted = {s for s in c["query"].get("item_id_list", "").split(",") if s}
    items = sim.items.get(c["shop_id"], [])
    return {
        "item_list": [
            {
                "item_id": i["item_id"],
                "item_name": i["item_name"],
                "item_status": "NORMAL",
                "price_info": [{"current_price": float(i["price"])}],
                "image": {"image_url_list": []},
            }
            for i in items
            if str(i["item_id"]) in wanted
        ]
    }


def comments(sim: Simulator, c: Ctx) -> dict:
    q = c["query"]
    with sim.lock:
        rows = [x for x in sim.comments if x["_shop_id"] == c["shop_id"]]
    if q.get("item_id"):
        rows = [x for x in rows if str(x["item_id"]) == q["item_id"]]
    start, size = _int(q.get("cursor"), 0), min(max(_int(q.get("page_size"), 50), 1), 100)
    page = rows[start : start + size]
    more = start + size < len(rows)
    return {
        "item_comment_list": [_public(x) for x in page],
        "more": more,
        "next_cursor": str(start + size) if more else "",
    }


Handler = Callable[[Simulator, Ctx], dict]
# path -> (method, public?, handler)
ROUTES: dict[str, tuple[str, bool, Handler]] = {
    "/api/v2/auth/token/get": ("POST", True, token_get),
    "/api/v2/auth/access_token/get": ("POST", True, access_token_get),
    "/api/v2/public/get_shops_by_partner": ("GET", True, shops_by_partner),
    "/api/v2/push/get_lost_push_message": ("GET", True, lost_push),
    "/api/v2/push/confirm_consumed_lost_push_message": ("POST", True, confirm_lost_push),
    "/api/v2/shop/get_shop_info": ("GET", False, shop_info),
    "/api/v2/account_health/get_shop_performance": ("GET", False, shop_performance),
    "/api/v2/sellerchat/get_conversation_list": ("GET", False, conversation_list),
    "/api/v2/sellerchat/get_one_conversation": ("GET", False, one_conversation),
    "/api/v2/sellerchat/get_message": ("GET", False, get_message),
    "/api/v2/sellerchat/send_message": ("POST", False, send_message),
    "/api/v2/sellerchat/send_autoreply_message": ("POST", False, send_autoreply),
    "/api/v2/sellerchat/read_conversation": ("POST", False, read_conversation),
    "/api/v2/sellerchat/get_unread_conversation_count": ("GET", False, unread_count),
    "/api/v2/sellerchat/upload_image": ("POST", False, upload_image),
    "/api/v2/order/get_order_list": ("GET", False, order_list),
    "/api/v2/order/get_order_detail": ("GET", False, order_detail),
    "/api/v2/logistics/get_tracking_number": ("GET", False, tracking_number),
    "/api/v2/logistics/get_tracking_info": ("GET", False, tracking_info),
    "/api/v2/returns/get_return_list": ("GET", False, return_list),
    "/api/v2/returns/get_return_detail": ("GET", False, return_detail),
    "/api/v2/product/get_item_base_info": ("GET", False, item_base_info),
    "/api/v2/product/get_comment": ("GET", False, comments),
}


def envelope(
    sim: Simulator, path: str, *, result: dict | None = None, error: SimError | None = None
) -> tuple[int, dict]:
    rid = sim.request_id()
    if error is not None:
        sim.errors[error.code] += 1
        return error.status, {"request_id": rid, "error": error.code, "message": error.message}
    ok = sim.config.success_error_value
    if path in ENVELOPE_ONLY:
        return 200, {"request_id": rid, "error": ok, "message": ""}
    if path in TOP_LEVEL:
        return 200, {"request_id": rid, "error": ok, "message": "", **(result or {})}
    return 200, {"request_id": rid, "error": ok, "message": "", "response": result or {}}


def handle(
    sim: Simulator, method: str, path: str, query: dict[str, str], raw: bytes, headers
) -> tuple[int, dict]:
    route = ROUTES.get(path)
    try:
        if route is None or route[0] != method:
            raise SimError("wrong_path")
        _, public, fn = route
        shop_id = authenticate(sim, path, query, public)
        body: dict = {}
        if method == "POST" and raw and "multipart" not in headers.get("Content-Type", ""):
            try:
                body = json.loads(raw)
            except ValueError:
                raise SimError("bad_param", "body is not valid JSON") from None
            if not isinstance(body, dict):
                raise SimError("bad_param", "body must be a JSON object")
        ctx = {"query": query, "body": body, "raw": raw, "headers": headers, "shop_id": shop_id}
        return envelope(sim, path, result=fn(sim, ctx))
    except SimError as err:
        return envelope(sim, path, error=err)
