"""Platform-neutral data classes exchanged between adapters and the rest of the project.

Rules: platform ids are ``str`` (Shopee ids exceed 2**53), datetimes are aware UTC, money is
``Decimal`` with an ISO 4217 currency, and no vendor field name appears here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

T = TypeVar("T")


class MessageKind(enum.StrEnum):
    TEXT = "text"
    IMAGE = "image"
    STICKER = "sticker"
    ITEM = "item"
    ORDER = "order"
    VIDEO = "video"
    VOUCHER = "voucher"
    NOTIFICATION = "notification"
    OTHER = "other"


class SenderRole(enum.StrEnum):
    BUYER = "buyer"
    SELLER = "seller"
    SYSTEM = "system"


class PushKind(enum.StrEnum):
    CHAT_MESSAGE = "chat_message"
    ORDER_STATUS = "order_status"
    TRACKING_NUMBER = "tracking_number"
    RETURN_UPDATE = "return_update"
    AUTHORIZED = "authorized"
    DEAUTHORIZED = "deauthorized"
    TOKEN_EXPIRING = "token_expiring"  # noqa: S105 (an event name)
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ShopAuth:
    """What a shop-scoped call needs: the shop and a currently valid access token."""

    shop_id: str
    access_token: str


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: datetime
    shop_id: str | None = None
    merchant_id: str | None = None
    # A main-account authorization returns one pair for several shops/merchants.
    shop_ids: tuple[str, ...] = ()
    merchant_ids: tuple[str, ...] = ()

    def auth(self, shop_id: str | None = None) -> ShopAuth:
        sid = shop_id or self.shop_id
        if not sid:
            raise ValueError("token pair has no shop id")
        return ShopAuth(shop_id=sid, access_token=self.access_token)


@dataclass(frozen=True)
class Unreadable:
    """A marketplace record the adapter could not map, kept as received (JSON text) so that it
    is parked for a person instead of failing the whole page it came in."""

    raw: str
    error: str


@dataclass(frozen=True)
class Page[T]:
    items: tuple[T, ...]
    next_cursor: str | None = None  # opaque; pass back unchanged
    has_more: bool = False
    unreadable: tuple[Unreadable, ...] = ()


# Not frozen: a pull-sync builds one per message, and a frozen dataclass's __init__ costs three
# times as much (object.__setattr__ per field). Nothing mutates one after mapping.
@dataclass(slots=True)
class Message:
    platform_message_id: str
    conversation_id: str
    shop_id: str
    sender: SenderRole
    sender_id: str
    recipient_id: str
    kind: MessageKind
    sent_at: datetime
    text: str = ""
    image_url: str = ""
    item_id: str = ""
    order_ref: str = ""
    sticker: str = ""
    is_auto_reply: bool = False
    quoted_message_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Conversation:
    platform_conversation_id: str
    shop_id: str
    buyer_id: str
    buyer_name: str
    last_message_at: datetime | None
    unread_count: int = 0
    pinned: bool = False
    last_message_id: str = ""
    last_message_kind: MessageKind = MessageKind.OTHER
    last_message_text: str = ""
    last_read_message_id: str = ""
    awaiting_reply: bool = False  # the buyer spoke last
    buyer_avatar: str = ""


@dataclass(frozen=True)
class OutboundMessage:
    shop_id: str
    buyer_id: str
    kind: MessageKind = MessageKind.TEXT
    text: str = ""
    image_url: str = ""
    item_id: str = ""
    order_ref: str = ""
    sticker_id: str = ""
    sticker_package_id: str = ""
    conversation_id: str = ""
    # The order this chat is about; a first message into a new chat must carry one on Shopee.
    context_order_ref: str = ""
    auto_reply: bool = False


@dataclass(frozen=True)
class SendResult:
    platform_message_id: str
    conversation_id: str
    sent_at: datetime


@dataclass(frozen=True)
class OrderItem:
    item_id: str
    name: str
    quantity: int
    variant_id: str = ""
    variant_name: str = ""
    unit_price: Decimal | None = None
    image_url: str = ""


@dataclass(frozen=True)
class Order:
    order_ref: str
    shop_id: str
    status: str  # the platform's status, upper-case, e.g. "SHIPPED"
    created_at: datetime
    updated_at: datetime
    currency: str = ""
    total: Decimal | None = None
    buyer_id: str = ""
    buyer_name: str = ""
    region: str = ""
    items: tuple[OrderItem, ...] = ()
    tracking_numbers: tuple[str, ...] = ()
    carrier: str = ""
    note: str = ""
    cancel_reason: str = ""


@dataclass(frozen=True)
class TrackingEvent:
    at: datetime
    description: str
    status: str = ""


@dataclass(frozen=True)
class Tracking:
    order_ref: str
    tracking_number: str = ""
    status: str = ""
    package_ref: str = ""
    events: tuple[TrackingEvent, ...] = ()


@dataclass(frozen=True)
class ReturnRequest:
    return_ref: str
    order_ref: str
    shop_id: str
    status: str
    reason: str
    created_at: datetime
    updated_at: datetime
    buyer_note: str = ""
    refund_amount: Decimal | None = None
    currency: str = ""
    refund_only: bool = False
    due_at: datetime | None = None
    tracking_number: str = ""
    buyer_name: str = ""
    item_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rating:
    rating_id: str
    item_id: str
    stars: int
    text: str
    created_at: datetime
    order_ref: str = ""
    buyer_name: str = ""


@dataclass(frozen=True)
class ShopInfo:
    shop_id: str
    name: str
    region: str  # ISO 3166 alpha-2 as the platform reports it, e.g. "MY"
    status: str = ""
    authorization_expires_at: datetime | None = None
    is_cross_border: bool = False
    merchant_id: str = ""


@dataclass(frozen=True)
class PushEvent:
    kind: PushKind
    shop_id: str | None  # None for partner-level events (authorization pushes)
    dedup_key: str
    occurred_at: datetime | None
    # Neutral payload: keys such as message, order_ref, status, tracking_number, return_ref,
    # shop_ids. Raw vendor data stays in the stored raw body, not here.
    payload: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    platform_code: str = ""


@dataclass(frozen=True)
class LostPushBatch:
    events: tuple[PushEvent, ...]
    ack_cursor: str | None  # pass to confirm_lost_pushes once the events are stored
    has_more: bool = False
    unreadable: tuple[Unreadable, ...] = ()


@dataclass(frozen=True)
class Capabilities:
    chat: bool
    chat_send: bool
    orders: bool
    returns: bool
    push: bool
    notes: tuple[str, ...] = ()
    # False where the platform offers no sending at all on the shop's site (Shopee TW).
    chat_send_offered: bool = True
