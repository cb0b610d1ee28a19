"""Shop performance (v2.account_health.get_shop_performance) computed from the simulator's own
chat history with the marketplace's published rule (docs/metrics-marketplace.md):

- a *chat* opens with a buyer message in a thread that is not already waiting for the seller (the
  thread's first buyer message, or the first one after a human seller reply); further buyer
  messages before the reply belong to the same chat;
- it is answered by the first human seller message: auto-replies (``status == "auto_reply"``) do
  not count, a reply from the seller's web tools does;
- answered in time = within 12 h of opening; a chat younger than 12 h with no reply yet is not
  decided and is left out;
- window: chats opened in the last 90 days; rate = 0.5 x share in time over all of them + 0.5 x
  share in time over the latest 25 % (rounded up) of them; fewer than 2 chats shows 57 %;
- response time: mean seconds from opening to the first human reply over the window's answered
  chats.
Written independently of the project's own metrics, so that agreement means something."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

DAY = 86400
REPLY_LIMIT = 12 * 3600
WINDOW_DAYS = 90
LATEST_SHARE = 0.25
DEFAULT_RATE = 57.0  # shown when fewer than MIN_CHATS chats were received
MIN_CHATS = 2


@dataclass(frozen=True)
class SimChat:
    conversation_id: str
    opened_ns: int
    answered_ns: int | None

    def in_time(self) -> bool:
        return (
            self.answered_ns is not None and self.answered_ns - self.opened_ns <= REPLY_LIMIT * 1e9
        )


def chats_of(conversations: list[dict[str, Any]]) -> list[SimChat]:
    """Every chat of the given raw conversations, in opening order."""
    out: list[SimChat] = []
    for conv in conversations:
        opened: int | None = None
        for msg in sorted(conv["messages"], key=lambda x: x["_ns"]):
            if not msg["from_shop_id"]:
                opened = msg["_ns"] if opened is None else opened
            elif opened is not None and msg.get("status") != "auto_reply":
                out.append(SimChat(conv["conversation_id"], opened, msg["_ns"]))
                opened = None
        if opened is not None:
            out.append(SimChat(conv["conversation_id"], opened, None))
    return sorted(out, key=lambda c: c.opened_ns)


def window_chats(conversations: list[dict[str, Any]], now: float) -> list[SimChat]:
    """The chats opened in the 90 days up to ``now`` as they stood at ``now``."""
    now_ns, limit_ns = int(now * 1e9), int(REPLY_LIMIT * 1e9)
    start_ns = now_ns - WINDOW_DAYS * DAY * 10**9
    out = []
    for c in chats_of(conversations):
        if not start_ns <= c.opened_ns <= now_ns:
            continue
        if c.answered_ns is not None and c.answered_ns > now_ns:  # not answered yet at ``now``
            c = SimChat(c.conversation_id, c.opened_ns, None)
        if c.answered_ns is None and now_ns - c.opened_ns < limit_ns:
            continue  # still inside its 12 h: not late yet
        out.append(c)
    return out


def response_rate(chats: list[SimChat]) -> float:
    """Percent, two decimals."""
    if len(chats) < MIN_CHATS:
        return DEFAULT_RATE
    latest = chats[-math.ceil(len(chats) * LATEST_SHARE) :]
    share_all = sum(c.in_time() for c in chats) / len(chats)
    share_latest = sum(c.in_time() for c in latest) / len(latest)
    return round(100 * (0.5 * share_all + 0.5 * share_latest), 2)


def response_time(chats: list[SimChat]) -> float | None:
    waits = [(c.answered_ns - c.opened_ns) / 1e9 for c in chats if c.answered_ns is not None]
    return round(sum(waits) / len(waits), 1) if waits else None


def shop_performance(conversations: list[dict[str, Any]], now: float, targets: dict) -> dict:
    """The endpoint's ``response`` body for one shop."""
    current = window_chats(conversations, now)
    last = window_chats(conversations, now - DAY)
    late = sum(not c.in_time() for c in current)

    def metric(mid, name, cur, prev, unit, target, comparator, parent=0):
        return {
            "metric_type": 3,  # Customer Service Performance
            "metric_id": mid,
            "parent_metric_id": parent,
            "metric_name": name,
            "current_period": cur,
            "last_period": prev,
            "unit": unit,
            "target": {"value": target, "comparator": comparator},
        }

    return {
        "overall_performance": {
            "rating": 3,
            "fulfillment_failed": 0,
            "listing_failed": 0,
            "custom_service_failed": 0,
        },
        "metric_list": [
            metric(-1, "non_responded_chats", None, None, 1, 0, "<="),
            metric(
                11,
                "chat_response_rate",
                response_rate(current),
                response_rate(last),
                2,
                targets["response_rate"],
                ">=",
                parent=-1,
            ),
            metric(23, "no_of_non_responded_chats", late, None, 1, 0, "<=", parent=-1),
            metric(
                21,
                "response_time",
                response_time(current),
                response_time(last),
                3,
                targets["response_time"],
                "<=",
                parent=-1,
            ),
        ],
    }
