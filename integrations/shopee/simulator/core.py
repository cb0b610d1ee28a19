"""The simulator's configuration, in-memory world and token authority. No app tables are used.

All mutable state sits behind one re-entrant lock; the HTTP server is multi-threaded.
"""

from __future__ import annotations

import itertools
import random
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from integrations.shopee.simulator.faults import Faults
from integrations.shopee.simulator.phrases import (
    BUYER_NAMES,
    ITEMS,
    PRICE_PER_MYR,
    SITES,
    WHOLE_UNIT_CURRENCIES,
)

DAY = 86400


@dataclass
class SimShop:
    shop_id: str
    region: str
    name: str = ""
    main_account_id: str | None = None
    # The shop's own targets as get_shop_performance reports them (percent, seconds).
    response_rate_target: float = 70.0
    response_time_target: float = 86400.0


@dataclass
class SimConfig:
    partner_id: int = 2001887
    partner_key: str = "shpk" + "0" * 64
    callback_url: str = ""  # where pushes are POSTed; empty keeps them in the lost queue
    shops: list[SimShop] = field(default_factory=list)
    access_ttl: int = 4 * 3600
    refresh_ttl: int = 30 * DAY
    code_ttl: int = 600
    timestamp_window: int = 300
    seed: int | None = None
    success_error_value: str = ""  # Shopee uses "" and sometimes "-" for success
    push_timeout: float = 3.0
    refresh_grace: int = 300  # the old access token lives this long after a refresh (doc §3)


def default_shops() -> list[SimShop]:
    base = 100_000_001
    return [SimShop(str(base + i), r, SITES[r][2]) for i, r in enumerate(SITES)]


# (error, message, HTTP status). Error/message texts are Shopee's (doc §4, §5.4); where the doc
# names a code but no text, the text is ours. HTTP statuses are not documented: Shopee answers
# errors with 4xx/5xx as well as 200 (doc §4), clients must parse the body either way.
ERRORS: dict[str, tuple[str, str, int]] = {
    "wrong_path": (
        "error_param",
        "Permission denied. This API is currently offline or the request path is incorrect.",
        404,
    ),
    "no_partner_id": ("error_param", "no partner_id", 400),
    "invalid_partner_id": ("invalid_partner_id", "Invalid partner_id.", 403),
    "no_timestamp": ("error_param", "no timestamp", 400),
    "timestamp_invalid": ("error_param", "Invalid timestamp", 400),
    "timestamp_expired": ("error_param", "Timestamp is expired.", 400),
    "no_sign": ("error_param", "no sign", 400),
    "sign": ("error_sign", "Wrong sign.", 403),
    "no_access_token": ("error_param", "no access_token", 400),
    "no_shop_id": ("error_param", "no shop_id", 400),
    "invalid_token": ("invalid_acceess_token", "Invalid access_token, please have a check.", 403),
    "invalid_shop": ("error_auth", "Invalid partner_id or shopid.", 403),
    "invalid_code": ("invalid_code", "Invalid code.", 403),
    "refresh_used": (
        "error_shop_refresh_token",
        "refresh token is error, please check refresh token or shopid.",
        403,
    ),
    "refresh_expired": ("refresh_token_expired", "Refresh token is expired.", 403),
    "rate_limit": ("error_rate_limit", "Too many requests, please try again later.", 429),
    "server": ("error_server", "Something wrong. Please try later.", 500),
    "not_found": ("error_not_found", "Resource not found.", 404),
    "bad_param": ("error_param", "Invalid parameter.", 400),
    "order_window": ("order.order_list_invalid_time", "Time range must be within 15 days.", 400),
    # send rules (doc §5.4); 200 with an error body, like other business refusals
    "send_tw": (
        "error_permission",
        "Currently TW region is not supported to send messages.",
        200,
    ),
    "message_too_long": ("message_too_long", "Message exceeds 600 characters.", 200),
    "reach_5": (
        "reach_5_message_limit",
        "You can send at most 5 messages in a row before the buyer replies.",
        200,
    ),
    "user_forbidden": (
        "user_is_forbidden",
        "You can only message buyers who chatted within 7 days or ordered within 30 days.",
        200,
    ),
    "duplicate": (
        "error_business",
        "The same message cannot be sent to the same buyer within 24 hours.",
        200,
    ),
    "first_chat": (
        "first_chat_without_order_info",
        "The first message of a new conversation must carry order information.",
        200,
    ),
}


class SimError(Exception):
    def __init__(self, key: str, message: str | None = None) -> None:
        code, text, status = ERRORS[key]
        super().__init__(text)
        self.code, self.message, self.status = code, message or text, status


class Simulator:
    def __init__(self, config: SimConfig | None = None) -> None:
        self.config = config or SimConfig()
        if not self.config.shops:
            self.config.shops = default_shops()
        self.lock = threading.RLock()
        self.rng = random.Random(self.config.seed)
        self.faults = Faults(self.config.seed)
        self.clock_offset = 0.0
        self._ids = itertools.count(1)
        self.reset_world()

    @property
    def partner_key(self) -> str:
        """The key as the app registered it: the configured value without surrounding whitespace
        or quotes, the rule the client applies (docs/shopee.md, Signing). Written out here, not
        imported, so the simulator shares no code with the signer it checks."""
        return self.config.partner_key.strip().strip("'\"").strip()

    # -- clock and ids -----------------------------------------------------------------------

    def now(self) -> float:
        return time.time() + self.clock_offset

    def advance_clock(self, seconds: float) -> float:
        with self.lock:
            self.clock_offset += seconds
            return self.clock_offset

    def big_id(self) -> str:
        """An int64 id above 2**53, increasing, as a string (how Shopee returns chat ids)."""
        return str(2**61 + next(self._ids) * 1000 + self.rng.randrange(1000))

    def request_id(self) -> str:
        return secrets.token_hex(16)

    # -- world -------------------------------------------------------------------------------

    def reset_world(self) -> None:
        with self.lock:
            for s in self.config.shops:
                s.region = s.region.upper()
                s.name = s.name or SITES.get(s.region, ("", (), f"Shop {s.shop_id}"))[2]
            self.shops: dict[str, SimShop] = {s.shop_id: s for s in self.config.shops}
            self.buyers: dict[int, dict[str, Any]] = {}
            self.conversations: dict[tuple[str, int], dict[str, Any]] = {}
            self.conv_by_id: dict[str, dict[str, Any]] = {}
            self.orders: dict[str, dict[str, Any]] = {}
            self.returns: dict[str, dict[str, Any]] = {}
            self.comments: list[dict[str, Any]] = []
            self.items: dict[str, list[dict[str, Any]]] = {}
            self.images: dict[str, bytes] = {}
            self.access_tokens: dict[str, dict[str, Any]] = {}
            self.refresh_tokens: dict[str, dict[str, Any]] = {}
            self.codes: dict[str, dict[str, Any]] = {}
            self.lost_pushes: list[dict[str, Any]] = []
            self._push_seq = itertools.count(1)
            self.stats: Counter[str] = Counter()
            self.calls: Counter[str] = Counter()
            self.errors: Counter[str] = Counter()
            self.seller_messages: Counter[str] = Counter()  # buyer id -> messages from seller
            self.pushes_by_code: Counter[str] = Counter()
            for shop in self.shops.values():
                self._seed_items(shop)

    def add_shop(self, shop_id: str, region: str, name: str = "", main_account_id=None) -> SimShop:
        with self.lock:
            shop = SimShop(str(shop_id), region.upper(), name or SITES.get(region, ("", (), ""))[2])
            shop.main_account_id = main_account_id
            self.shops[shop.shop_id] = shop
            self._seed_items(shop)
            return shop

    def _seed_items(self, shop: SimShop) -> None:
        currency = SITES.get(shop.region, ("MYR",))[0]
        rate = PRICE_PER_MYR.get(currency, 1)
        digits = 0 if currency in WHOLE_UNIT_CURRENCIES else 2
        self.items[shop.shop_id] = [
            {
                "item_id": 3_000_000_000 + int(shop.shop_id) % 1000 * 100 + n,
                "item_name": nm,
                "price": f"{round(float(p) * rate, digits):.{digits}f}",
            }
            for n, (nm, p) in enumerate(ITEMS)
        ]

    def shop(self, shop_id: Any) -> SimShop:
        s = self.shops.get(str(shop_id))
        if s is None:
            raise SimError("invalid_shop")
        return s

    def add_buyer(
        self,
        shop_id: str,
        *,
        user_id: int | None = None,
        username: str = "",
        lang: str = "en",
    ) -> dict[str, Any]:
        with self.lock:
            uid = int(user_id) if user_id is not None else self.rng.randrange(10**8, 2 * 10**9)
            buyer = self.buyers.setdefault(
                uid,
                {
                    "user_id": uid,
                    "username": username or self._username(uid, lang),
                    "lang": lang,
                    "shop_id": str(shop_id),
                    "last_chat_at": None,
                    "last_order_at": None,
                },
            )
            return buyer

    def _username(self, user_id: int, lang: str) -> str:
        names = BUYER_NAMES.get(lang) or BUYER_NAMES["en"]
        return f"{names[user_id % len(names)]}{'._'[user_id % 2]}{user_id % 1000}"

    def conversation_for(self, shop_id: str, buyer_id: int, create: bool = True):
        with self.lock:
            key = (str(shop_id), int(buyer_id))
            conv = self.conversations.get(key)
            if conv is None and create:
                conv = {
                    "conversation_id": self.big_id(),
                    "shop_id": str(shop_id),
                    "buyer_id": int(buyer_id),
                    "messages": [],
                    "last_read_message_id": "0",
                    "pinned": False,
                }
                self.conversations[key] = conv
                self.conv_by_id[conv["conversation_id"]] = conv
            return conv

    def add_message(
        self, conv: dict[str, Any], *, from_seller: bool, message_type: str, content: dict, **extra
    ) -> dict[str, Any]:
        with self.lock:
            shop = self.shops[conv["shop_id"]]
            buyer = self.buyers[conv["buyer_id"]]
            now = self.now()
            msg = {
                "message_id": self.big_id(),
                "conversation_id": conv["conversation_id"],
                "from_id": int(shop.shop_id) if from_seller else buyer["user_id"],
                "to_id": buyer["user_id"] if from_seller else int(shop.shop_id),
                "from_shop_id": int(shop.shop_id) if from_seller else 0,
                "to_shop_id": 0 if from_seller else int(shop.shop_id),
                "message_type": message_type,
                "content": content,
                "created_timestamp": int(now),
                "region": shop.region,
                "status": "normal",
                "source": "openapi" if from_seller else "android",
                "message_option": 0,
                "_ns": int(now * 1e9),
            }
            msg.update(extra)
            conv["messages"].append(msg)
            if not from_seller:
                buyer["last_chat_at"] = now
            return msg

    def public_message(self, msg: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in msg.items() if not k.startswith("_")}

    def conversation_view(self, conv: dict[str, Any]) -> dict[str, Any]:
        buyer = self.buyers[conv["buyer_id"]]
        msgs = conv["messages"]
        last = msgs[-1] if msgs else None
        read = int(conv["last_read_message_id"])
        unread = sum(1 for x in msgs if x["from_shop_id"] == 0 and int(x["message_id"]) > read)
        return {
            "conversation_id": conv["conversation_id"],
            "to_id": buyer["user_id"],
            "to_name": buyer["username"],
            "to_avatar": f"https://cf.shopee.sim/file/{buyer['user_id']}",
            "shop_id": int(conv["shop_id"]),
            "unread_count": unread,
            "pinned": conv["pinned"],
            "mute": False,
            "last_read_message_id": conv["last_read_message_id"],
            "latest_message_id": last["message_id"] if last else "0",
            "latest_message_type": last["message_type"] if last else "",
            "latest_message_content": last["content"] if last else {},
            "latest_message_from_id": last["from_id"] if last else 0,
            "last_message_timestamp": last["_ns"] if last else 0,
            "last_message_option": 0,
            "max_general_option_hide_time": "9223372036854775",
        }

    # -- OAuth authority ---------------------------------------------------------------------

    def create_code(self, *, shop_id: str | None = None, main_account_id: str | None = None) -> str:
        with self.lock:
            if main_account_id is not None:
                shop_ids = [
                    s.shop_id
                    for s in self.shops.values()
                    if s.main_account_id == str(main_account_id)
                ]
                if not shop_ids:
                    raise SimError("bad_param", "unknown main_account_id")
            else:
                shop_ids = [self.shop(shop_id).shop_id]
            code = secrets.token_hex(16)
            self.codes[code] = {
                "shop_ids": shop_ids,
                "main_account_id": None if main_account_id is None else str(main_account_id),
                "expires_at": self.now() + self.config.code_ttl,
                "used": False,
            }
            return code

    def _issue(self, shop_ids: list[str]) -> dict[str, Any]:
        now = self.now()
        access, refresh = secrets.token_hex(16), secrets.token_hex(16)
        self.access_tokens[access] = {
            "shop_ids": set(shop_ids),
            "expires_at": now + self.config.access_ttl,
        }
        self.refresh_tokens[refresh] = {
            "shop_ids": set(shop_ids),
            "used_by": set(),
            "expires_at": now + self.config.refresh_ttl,
            "access": access,
        }
        return {
            "access_token": access,
            "refresh_token": refresh,
            "expire_in": self.config.access_ttl,
        }

    def exchange_code(self, code: str, *, shop_id=None, main_account_id=None) -> dict[str, Any]:
        with self.lock:
            rec = self.codes.get(str(code))
            if rec is None or rec["used"] or rec["expires_at"] < self.now():
                raise SimError("invalid_code")
            if main_account_id is not None:
                if rec["main_account_id"] != str(main_account_id):
                    raise SimError("invalid_code")
            elif shop_id is None or str(shop_id) not in rec["shop_ids"] or rec["main_account_id"]:
                raise SimError("invalid_code")
            rec["used"] = True
            out = self._issue(rec["shop_ids"])
            if main_account_id is not None:
                out["shop_id_list"] = [int(s) for s in rec["shop_ids"]]
                out["merchant_id_list"] = []
            self.stats["tokens_issued"] += 1
            return out

    def refresh(self, refresh_token: str, shop_id: Any) -> dict[str, Any]:
        with self.lock:
            self.stats["refresh_calls"] += 1
            sid = str(shop_id)
            rec = self.refresh_tokens.get(str(refresh_token))
            if rec is None or sid not in rec["shop_ids"] or sid in rec["used_by"]:
                raise SimError("refresh_used")
            if rec["expires_at"] < self.now():
                raise SimError("refresh_expired")
            rec["used_by"].add(sid)  # single use per shop (a main-account pair splits per shop)
            old = self.access_tokens.get(rec["access"])
            if old:  # the previous access token keeps working for 5 more minutes (doc §3)
                old["expires_at"] = min(old["expires_at"], self.now() + self.config.refresh_grace)
            out = self._issue([sid])
            out.update(partner_id=self.config.partner_id, shop_id=int(sid))
            return out

    def check_access(self, token: str, shop_id: str) -> None:
        with self.lock:
            rec = self.access_tokens.get(token)
            if rec is None or shop_id not in rec["shop_ids"] or rec["expires_at"] < self.now():
                raise SimError("invalid_token")

    def revoke_tokens(self, shop_id: str, *, refresh: bool = False) -> dict[str, int]:
        """The shop's live access tokens stop working before their expiry, as when its pair was
        refreshed by another system; with ``refresh`` its refresh tokens are spent as well, so
        only a new authorization helps. Other shops sharing a main-account pair are unaffected.
        """
        sid = str(shop_id)
        with self.lock:
            self.shop(sid)
            access = [t for t in self.access_tokens.values() if sid in t["shop_ids"]]
            for rec in access:
                rec["shop_ids"].discard(sid)
            spent = 0
            if refresh:
                for rec in self.refresh_tokens.values():
                    if sid in rec["shop_ids"] and sid not in rec["used_by"]:
                        rec["used_by"].add(sid)
                        spent += 1
            return {"access_tokens_revoked": len(access), "refresh_tokens_spent": spent}

    def issue_tokens(self, shop_id: str) -> dict[str, Any]:
        """Pre-authorize a shop through the normal code flow (demo seeding, tests)."""
        code = self.create_code(shop_id=str(shop_id))
        return self.exchange_code(code, shop_id=str(shop_id))

    # -- counters ----------------------------------------------------------------------------

    def snapshot_stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                "calls": dict(self.calls),
                "errors": dict(self.errors),
                "seller_messages_per_buyer": dict(self.seller_messages),
                "pushes_sent": self.stats["pushes_sent"],
                "pushes_acked": self.stats["pushes_acked"],
                "pushes_failed": self.stats["pushes_failed"],
                "pushes_by_code": dict(self.pushes_by_code),
                "lost_push_pending": len(self.lost_pushes),
                "lost_push_confirmed": self.stats["lost_push_confirmed"],
                "refresh_calls": self.stats["refresh_calls"],
                "tokens_issued": self.stats["tokens_issued"],
                "messages_sent_by_seller": sum(self.seller_messages.values()),
                "buyer_messages": self.stats["buyer_messages"],
                "conversations": len(self.conversations),
                "orders": len(self.orders),
                "returns": len(self.returns),
                "clock_offset": self.clock_offset,
                "faults": self.faults.snapshot(),
            }
