"""World events (buyers chatting, orders moving, returns, ratings), signed push delivery with the
lost-push queue, a random traffic generator and a scripted scenario player."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
import time
from typing import Any

import requests

from integrations.shopee.mapping import AUTO_REPLY_OPTION
from integrations.shopee.simulator.core import SimError, Simulator
from integrations.shopee.simulator.phrases import (
    PHRASES,
    RATINGS,
    SELLER_CENTRE_REPLIES,
    SHOP_AUTO_REPLY,
    SITES,
    STICKERS,
)

logger = logging.getLogger(__name__)

AUTO_REPLY_SHARE = 0.3  # new conversations the shop's auto-reply answers
# A buyer's photo, self-contained so the demo needs no network (Shopee's are CDN URLs).
PHOTO = (
    "data:image/svg+xml;base64,"
    + base64.b64encode(
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 160 120">'
        b'<rect width="160" height="120" fill="#f2ede6"/>'
        b'<path d="M40 45 80 28l40 17v42l-40 17-40-17z" fill="#c8945a"/>'
        b'<path d="M40 45l40 17 40-17M80 62v42" stroke="#8a5a2b" stroke-width="3" fill="none"/>'
        b'<path d="M58 36l40 17v14" stroke="#e9d3b0" stroke-width="6" fill="none"/></svg>'
    ).decode()
)

DAYS_TO_SHIP = 3
ORDER_FLOW = ["UNPAID", "READY_TO_SHIP", "PROCESSED", "SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED"]
LOGISTICS = {
    "UNPAID": "LOGISTICS_NOT_START",
    "READY_TO_SHIP": "LOGISTICS_READY",
    "PROCESSED": "LOGISTICS_REQUEST_CREATED",
    "SHIPPED": "LOGISTICS_PICKUP_DONE",
    "TO_CONFIRM_RECEIVE": "LOGISTICS_DELIVERY_DONE",
    "COMPLETED": "LOGISTICS_DELIVERY_DONE",
}
DEFAULT_MIX = {
    "buyer_message": 6,
    "buyer_media": 1.5,
    "seller_centre_reply": 0.6,
    "place_order": 2,
    "buyer_asks_order": 1.5,
    "advance_order": 3,
    "request_return": 1,
    "rate_item": 1,
}


# -- push delivery -----------------------------------------------------------------------------

# The simulator stands for Shopee, not for our app, so it keeps its own session: a test that
# patches shopee_cs.http sees only the app's traffic.
_push_session = requests.Session()


def push(sim: Simulator, code: int, data: dict[str, Any], shop_id: str | None) -> bool:
    body: dict[str, Any] = {"data": data}
    if shop_id is not None:
        body["shop_id"] = int(shop_id)
    body.update(code=code, timestamp=int(sim.now()))
    if code == 10:
        body["msg_id"] = sim.request_id()
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    with sim.lock:
        sim.stats["pushes_sent"] += 1
        sim.pushes_by_code[str(code)] += 1
        url = sim.config.callback_url
    ok = False
    if url:
        sig = hmac.new(
            sim.partner_key.encode(), url.encode() + b"|" + raw, hashlib.sha256
        ).hexdigest()
        try:
            resp = _push_session.post(
                url,
                data=raw,
                headers={"Content-Type": "application/json", "Authorization": sig},
                timeout=sim.config.push_timeout,
            )
            ok = 200 <= resp.status_code < 300
        except requests.RequestException as exc:
            logger.info("push to %s failed: %s", url, exc)
    with sim.lock:
        if ok:
            sim.stats["pushes_acked"] += 1
        else:
            sim.stats["pushes_failed"] += 1
            # Unacknowledged pushes wait for get_lost_push_message (data typed string there).
            sim.lost_pushes.append(
                {
                    "message_id": next(sim._push_seq),
                    "shop_id": body.get("shop_id", 0),
                    "code": code,
                    "timestamp": body["timestamp"],
                    "data": json.dumps(data, ensure_ascii=False),
                }
            )
    return ok


# -- world events ------------------------------------------------------------------------------


def _pick_shop(sim: Simulator, shop_id: str | None) -> str:
    if shop_id is not None:
        return sim.shop(shop_id).shop_id
    return sim.rng.choice(sorted(sim.shops))


def buyer_message(
    sim: Simulator,
    *,
    shop_id: str | None = None,
    buyer_id: int | None = None,
    text: str | None = None,
    lang: str | None = None,
    username: str = "",
    message_type: str = "text",
    content: dict | None = None,
    auto_reply_share: float = 0.0,
) -> dict[str, Any]:
    """A buyer writes; on a new conversation the shop's Shopee auto-reply may answer
    (``auto_reply_share`` of the time; the random traffic turns it on)."""
    with sim.lock:
        sid = _pick_shop(sim, shop_id)
        shop = sim.shops[sid]
        if buyer_id is None and sim.buyers and sim.rng.random() < 0.5:
            pool = [b for b in sim.buyers.values() if b["shop_id"] == sid]
            buyer_id = sim.rng.choice(pool)["user_id"] if pool else None
        langs = SITES.get(shop.region, ("", ("en",), ""))[1]
        buyer = sim.add_buyer(
            sid, user_id=buyer_id, username=username, lang=lang or sim.rng.choice(langs)
        )
        if content is None:
            if text is None:
                intent = sim.rng.choice(sorted(PHRASES))
                options = PHRASES[intent].get(buyer["lang"]) or PHRASES[intent]["en"]
                text = sim.rng.choice(options)
            content = {"text": text}
        conv = sim.conversation_for(sid, buyer["user_id"])
        first = not conv["messages"]
        msg = sim.add_message(conv, from_seller=False, message_type=message_type, content=content)
        sim.stats["buyer_messages"] += 1
        if first and auto_reply_share and sim.rng.random() < auto_reply_share:
            # The shop's own Shopee auto-reply; like every seller-side message, it is not pushed.
            sim.add_message(
                conv,
                from_seller=True,
                message_type="text",
                content={"text": SHOP_AUTO_REPLY},
                status="auto_reply",
                message_option=AUTO_REPLY_OPTION,
                source="auto_reply",
            )
        payload = dict(
            sim.public_message(msg), from_user_name=buyer["username"], to_user_name=shop.name
        )
    push(sim, 10, {"type": "message", "content": payload, "region": shop.region}, sid)
    return msg


def buyer_media(
    sim: Simulator, *, shop_id: str | None = None, kind: str | None = None
) -> dict[str, Any]:
    """A buyer sends a photo, a sticker, or a card of an item or of one of their orders."""
    with sim.lock:
        sid = _pick_shop(sim, shop_id)
        shop_orders = sorted(
            (o["order_sn"], o["buyer_user_id"]) for o in sim.orders.values() if o["shop_id"] == sid
        )
        pool = sorted(b["user_id"] for b in sim.buyers.values() if b["shop_id"] == sid)
        if kind is None:
            kind = sim.rng.choice(["image", "sticker", "item"] + (["order"] if shop_orders else []))
        order_sn, buyer_id = None, sim.rng.choice(pool) if pool else None
        if kind == "order" and shop_orders:  # a buyer asks about one of their own orders
            order_sn, buyer_id = sim.rng.choice(shop_orders)
        if kind == "image":
            content = {"url": PHOTO, "thumb_url": PHOTO, "thumb_width": 160, "thumb_height": 120}
        elif kind == "sticker":
            package, sticker = sim.rng.choice(STICKERS)
            content = {"sticker_package_id": package, "sticker_id": sticker}
        elif kind == "item":
            content = {"shop_id": int(sid), "item_id": sim.rng.choice(sim.items[sid])["item_id"]}
        elif kind == "order" and order_sn:
            content = {"shop_id": int(sid), "order_sn": order_sn}
        else:
            raise SimError("bad_param", f"cannot send a {kind} card here")
    return buyer_message(sim, shop_id=sid, buyer_id=buyer_id, message_type=kind, content=content)


def seller_centre_reply(sim: Simulator, *, shop_id: str | None = None) -> dict[str, Any]:
    """Someone answers a waiting buyer in Seller Centre or the phone app, outside this system.
    Shopee does not push it: it reaches the system through reconciliation."""
    with sim.lock:
        waiting = [
            c
            for c in sim.conversations.values()
            if c["messages"]
            and c["messages"][-1]["from_shop_id"] == 0
            and (shop_id is None or c["shop_id"] == str(shop_id))
        ]
        if not waiting:
            raise SimError("not_found", "no buyer is waiting")
        conv = sim.rng.choice(sorted(waiting, key=lambda c: c["conversation_id"]))
        return sim.add_message(
            conv,
            from_seller=True,
            message_type="text",
            content={"text": sim.rng.choice(SELLER_CENTRE_REPLIES)},
            source="web",
        )


def place_order(
    sim: Simulator, *, shop_id: str | None = None, buyer_id: int | None = None
) -> dict[str, Any]:
    with sim.lock:
        sid = _pick_shop(sim, shop_id)
        shop = sim.shops[sid]
        buyer = sim.add_buyer(
            sid, user_id=buyer_id, lang=sim.rng.choice(SITES.get(shop.region, ("", ("en",), ""))[1])
        )
        now = int(sim.now())
        item = sim.rng.choice(sim.items[sid])
        qty = sim.rng.randint(1, 3)
        sn = time.strftime("%y%m%d", time.gmtime(now)) + "".join(
            sim.rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(8)
        )
        order = {
            "order_sn": sn,
            "shop_id": sid,
            "region": shop.region,
            "currency": SITES.get(shop.region, ("USD",))[0],
            "cod": False,
            "order_status": "UNPAID",
            "create_time": now,
            "update_time": now,
            "buyer_user_id": buyer["user_id"],
            "buyer_username": buyer["username"],
            "total_amount": float(item["price"]) * qty,
            "item_list": [
                {
                    "item_id": item["item_id"],
                    "item_name": item["item_name"],
                    "model_id": 0,
                    "model_name": "",
                    "model_quantity_purchased": qty,
                    "model_discounted_price": float(item["price"]),
                }
            ],
            "package_list": [
                {
                    "package_number": f"OFG{sim.rng.randrange(10**9, 10**10)}",
                    "logistics_status": "LOGISTICS_NOT_START",
                    "shipping_carrier": "Standard Delivery",
                }
            ],
            "shipping_carrier": "Standard Delivery",
            "note": "",
            "message_to_seller": "",
            # The marketplace sets the ship-by date once the buyer pays (0 until then).
            "days_to_ship": DAYS_TO_SHIP,
            "ship_by_date": 0,
            "_tracking_no": "",
            "_logistics_status": "LOGISTICS_NOT_START",
            "_tracking_events": [],
        }
        sim.orders[sn] = order
        buyer["last_order_at"] = now
    push(
        sim,
        3,
        {
            "ordersn": sn,
            "status": "UNPAID",
            "update_time": now,
            "items": [],
            "completed_scenario": "",
        },
        sid,
    )
    return order


def buyer_asks_order(sim: Simulator, *, order_sn: str | None = None) -> dict[str, Any]:
    """A buyer with an order asks where it is, in their own language (an order with a tracking
    number when there is one, so the answer has something to say)."""
    with sim.lock:
        if order_sn is None:
            orders = sorted(
                sim.orders.values(), key=lambda o: (not o["_tracking_no"], o["order_sn"])
            )
            if not orders:
                raise SimError("not_found", "no order")
            tracked = [o for o in orders if o["_tracking_no"]]
            order = sim.rng.choice(tracked or orders)
        else:
            order = sim.orders.get(order_sn)
            if order is None:
                raise SimError("not_found", "order not found")
        buyer = sim.buyers[order["buyer_user_id"]]
        options = PHRASES["where_is_order"].get(buyer["lang"]) or PHRASES["where_is_order"]["en"]
        text = sim.rng.choice(options)
    return buyer_message(sim, shop_id=order["shop_id"], buyer_id=order["buyer_user_id"], text=text)


def advance_order(
    sim: Simulator, *, order_sn: str | None = None, status: str | None = None
) -> dict[str, Any]:
    with sim.lock:
        if order_sn is None:
            open_orders = sorted(
                sn for sn, o in sim.orders.items() if o["order_status"] != "COMPLETED"
            )
            if not open_orders:
                raise SimError("not_found", "no open order")
            order_sn = sim.rng.choice(open_orders)
        o = sim.orders.get(order_sn)
        if o is None:
            raise SimError("not_found", "order not found")
        idx = ORDER_FLOW.index(o["order_status"]) if o["order_status"] in ORDER_FLOW else 0
        new = status or ORDER_FLOW[min(idx + 1, len(ORDER_FLOW) - 1)]
        now = int(sim.now())
        o["order_status"], o["update_time"] = new, now
        if new != "UNPAID" and not o.get("ship_by_date"):
            o["ship_by_date"] = now + o.get("days_to_ship", DAYS_TO_SHIP) * 86400
        o["_logistics_status"] = LOGISTICS.get(new, o["_logistics_status"])
        o["package_list"][0]["logistics_status"] = o["_logistics_status"]
        new_tracking = new in ("PROCESSED", "SHIPPED") and not o["_tracking_no"]
        if new_tracking:
            o["_tracking_no"] = f"{o['region']}{sim.rng.randrange(10**11, 10**12)}"
            o["package_list"][0]["tracking_number"] = o["_tracking_no"]
        o["_tracking_events"].append(
            {
                "update_time": now,
                "description": f"Parcel status: {new}",
                "logistics_status": o["_logistics_status"],
            }
        )
        sid, pkg = o["shop_id"], o["package_list"][0]["package_number"]
    push(
        sim,
        3,
        {
            "ordersn": order_sn,
            "status": new,
            "update_time": now,
            "items": [],
            "completed_scenario": "",
        },
        sid,
    )
    if new_tracking:
        push(
            sim,
            4,
            {"ordersn": order_sn, "package_number": pkg, "tracking_no": o["_tracking_no"]},
            sid,
        )
    return o


def request_return(
    sim: Simulator, *, order_sn: str | None = None, reason: str = "DAMAGED_PRODUCT", text: str = ""
) -> dict[str, Any]:
    with sim.lock:
        if order_sn is None:
            returned = {r["order_sn"] for r in sim.returns.values()}
            candidates = sorted(
                sn
                for sn, o in sim.orders.items()
                if o["order_status"] in ("SHIPPED", "TO_CONFIRM_RECEIVE", "COMPLETED")
                and sn not in returned
            )
            if not candidates:
                raise SimError("not_found", "no shipped order")
            order_sn = sim.rng.choice(candidates)
        o = sim.orders[order_sn]
        now = int(sim.now())
        rsn = str(sim.rng.randrange(2 * 10**17, 9 * 10**17))
        item = o["item_list"][0]
        r = {
            "return_sn": rsn,
            "order_sn": order_sn,
            "status": "REQUESTED",
            "reason": reason,
            "text_reason": text or "Item arrived damaged",
            "refund_amount": o["total_amount"],
            "currency": o["currency"],
            "create_time": now,
            "update_time": now,
            "due_date": now + 3 * 86400,
            "return_solution": 0,
            "tracking_number": "",
            "needs_logistics": True,
            "user": {"username": o["buyer_username"], "email": "", "portrait": ""},
            "item": [
                {
                    "item_id": item["item_id"],
                    "model_id": 0,
                    "name": item["item_name"],
                    "amount": item["model_quantity_purchased"],
                    "item_price": item["model_discounted_price"],
                }
            ],
            "buyer_id": o["buyer_user_id"],
            "_shop_id": o["shop_id"],
        }
        sim.returns[rsn] = r
    push(
        sim,
        29,
        {"return_sn": rsn, "order_sn": order_sn, "status": "REQUESTED", "update_time": now},
        o["shop_id"],
    )
    return r


# The path a return takes when advanced without a status: the seller accepts, the refund is
# paid, the return closes.
RETURN_FLOW = ("REQUESTED", "PROCESSING", "ACCEPTED", "REFUND_PAID", "CLOSED")
RETURN_STATUSES = (*RETURN_FLOW, "JUDGING", "SELLER_DISPUTE", "CANCELLED")


def advance_return(
    sim: Simulator,
    *,
    return_sn: str,
    status: str | None = None,
    due_in: float | None = None,
) -> dict[str, Any]:
    """Move a return to `status` (default: the next step of RETURN_FLOW) and, with `due_in`
    seconds, set its seller-response deadline from now; pushes code 29 like Shopee."""
    if status is not None and status not in RETURN_STATUSES:
        raise SimError("bad_param", f"unknown return status {status!r}")
    with sim.lock:
        r = sim.returns.get(str(return_sn))
        if r is None:
            raise SimError("not_found", "return not found")
        if status is None:
            idx = RETURN_FLOW.index(r["status"]) if r["status"] in RETURN_FLOW else 0
            status = RETURN_FLOW[min(idx + 1, len(RETURN_FLOW) - 1)]
        now = int(sim.now())
        r["status"], r["update_time"] = status, now
        if due_in is not None:
            r["due_date"] = now + int(due_in)
        shop_id, order_sn = r["_shop_id"], r["order_sn"]
    push(
        sim,
        29,
        {"return_sn": r["return_sn"], "order_sn": order_sn, "status": status, "update_time": now},
        shop_id,
    )
    return r


def rate_item(
    sim: Simulator,
    *,
    order_sn: str | None = None,
    stars: int | None = None,
    text: str | None = None,
) -> dict[str, Any]:
    with sim.lock:
        if order_sn is None:
            if not sim.orders:
                raise SimError("not_found", "no order")
            order_sn = sim.rng.choice(sorted(sim.orders))
        o = sim.orders[order_sn]
        lang = sim.buyers[o["buyer_user_id"]]["lang"]
        s, t = sim.rng.choice(RATINGS.get(lang) or RATINGS["en"])
        c = {
            "comment_id": sim.rng.randrange(10**10, 10**11),
            "item_id": o["item_list"][0]["item_id"],
            "order_sn": order_sn,
            "rating_star": stars or s,
            "comment": t if text is None else text,
            "buyer_username": o["buyer_username"],
            "create_time": int(sim.now()),
            "_shop_id": o["shop_id"],
        }
        sim.comments.append(c)
        return c


def authorization_push(sim: Simulator, *, code: int, shop_ids: list[str]) -> bool:
    """Partner-level pushes (no top-level shop_id): 1 authorized, 2 deauthorized, 12 expiring."""
    data: dict[str, Any] = {"shop_id_list": [int(s) for s in shop_ids], "merchant_id_list": []}
    if code == 12:
        data.update(expire_before=int(sim.now()) + 7 * 86400, page_no=1, total_page=1)
    return push(sim, code, data, None)


def cancel_authorization(sim: Simulator, *, shop_ids: list[str]) -> bool:
    """The seller removes the app: the shops' tokens stop working, then push code 2."""
    for sid in shop_ids:
        sim.revoke_tokens(str(sid), refresh=True)
    return authorization_push(sim, code=2, shop_ids=shop_ids)


EVENTS = {
    "buyer_message": buyer_message,
    "buyer_media": buyer_media,
    "seller_centre_reply": seller_centre_reply,
    "place_order": place_order,
    "buyer_asks_order": buyer_asks_order,
    "advance_order": advance_order,
    "request_return": request_return,
    "advance_return": advance_return,
    "rate_item": rate_item,
    "authorize": lambda sim, **kw: authorization_push(sim, code=1, **kw),
    "deauthorize": cancel_authorization,
    "authorization_expiring": lambda sim, **kw: authorization_push(sim, code=12, **kw),
}


def apply_event(sim: Simulator, event: dict[str, Any]) -> Any:
    kind = event.get("type")
    fn = EVENTS.get(str(kind))
    if fn is None:
        raise ValueError(f"unknown event type {kind!r}; known: {sorted(EVENTS)}")
    kwargs = {k: v for k, v in event.items() if k not in ("type", "at")}
    return fn(sim, **kwargs)


def run_scenario(
    sim: Simulator,
    events: list[dict[str, Any]],
    *,
    realtime: bool = False,
    speed: float = 1.0,
    stop: threading.Event | None = None,
) -> list[Any]:
    """Replay ``[{"at": seconds, "type": ..., ...}]`` in ``at`` order. With ``realtime=False`` it
    runs as fast as possible (tests); otherwise it waits ``at / speed`` from the start."""
    start = time.monotonic()
    results = []
    for ev in sorted(events, key=lambda e: float(e.get("at", 0))):
        if realtime:
            delay = start + float(ev.get("at", 0)) / speed - time.monotonic()
            if delay > 0 and stop is not None and stop.wait(delay):
                break
            if delay > 0 and stop is None:
                time.sleep(delay)
        results.append(apply_event(sim, ev))
    return results


class TrafficGenerator:
    """Random events at ``rate`` per second in a background thread, weighted by ``mix``."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.rate = 0.5
        self.mix = dict(DEFAULT_MIX)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def configure(self, *, rate: float | None = None, mix: dict[str, float] | None = None) -> None:
        if rate is not None:
            self.rate = max(0.01, float(rate))
        if mix is not None:
            unknown = set(mix) - set(DEFAULT_MIX)
            if unknown:
                raise ValueError(f"unknown event kinds in mix: {sorted(unknown)}")
            self.mix = {k: float(v) for k, v in mix.items()}

    def step(self) -> Any:
        kinds = [k for k, w in self.mix.items() if w > 0]
        kind = self.sim.rng.choices(kinds, weights=[self.mix[k] for k in kinds])[0]
        try:
            extra = {"auto_reply_share": AUTO_REPLY_SHARE} if kind == "buyer_message" else {}
            return apply_event(self.sim, {"type": kind, **extra})
        except SimError:  # e.g. no shipped order to return yet: start a conversation instead
            return buyer_message(self.sim)

    def start(self) -> None:
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="shopee-sim-traffic", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._thread = None

    def _loop(self) -> None:
        while not self._stop.wait(self.sim.rng.expovariate(self.rate)):
            try:
                self.step()
            except Exception:  # a generator must keep running; log and go on
                logger.exception("simulated event failed")
