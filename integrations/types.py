"""Platform-neutral data classes exchanged between adapters and the rest of the project.

Rules: platform ids are ``str`` (marketplace ids exceed 2**53), datetimes are aware UTC, money is
``Decimal`` with an ISO 4217 currency, and no vendor field name appears here.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
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


class OrderStatus(enum.StrEnum):
    """Where an order stands, in words every marketplace maps to; the raw value is kept beside."""

    UNPAID = "unpaid"
    PENDING = "pending"  # paid, not yet released to the seller (checks, invoices)
    TO_SHIP = "to_ship"
    PROCESSED = "processed"  # shipment arranged, not yet handed over
    SHIPPED = "shipped"
    DELIVERED = "delivered"  # at the buyer, not yet confirmed
    COMPLETED = "completed"
    CANCELLING = "cancelling"
    CANCELLED = "cancelled"
    RETURNING = "returning"
    UNKNOWN = "unknown"


class TrackingStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    TO_ARRANGE = "to_arrange"
    READY = "ready"
    PICKUP_REQUESTED = "pickup_requested"
    PICKUP_RETRY = "pickup_retry"
    PICKUP_FAILED = "pickup_failed"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    DELIVERY_FAILED = "delivery_failed"
    COD_REFUSED = "cod_refused"
    CANCELLED = "cancelled"
    LOST = "lost"
    INVALID = "invalid"
    UNKNOWN = "unknown"


class ReturnStatus(enum.StrEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    PROCESSING = "processing"
    IN_REVIEW = "in_review"  # the marketplace arbitrates
    DISPUTED = "disputed"  # the seller disputes it
    REFUNDED = "refunded"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"


# A return in one of these is settled: it no longer lets the seller message the buyer. An
# unknown status counts as open, leaving the decision to the marketplace.
SETTLED_RETURN_STATUSES = frozenset(
    {ReturnStatus.ACCEPTED, ReturnStatus.REFUNDED, ReturnStatus.CLOSED, ReturnStatus.CANCELLED}
)


class ReturnReason(enum.StrEnum):
    NONE = "none"
    NOT_RECEIVED = "not_received"
    WRONG_ITEM = "wrong_item"
    SELLER_SENT_WRONG_ITEM = "seller_sent_wrong_item"
    DAMAGED = "damaged"
    WRONG_OR_DAMAGED = "wrong_or_damaged"
    NOT_AS_DESCRIBED = "not_as_described"
    MUTUAL_AGREEMENT = "mutual_agreement"
    CHANGED_MIND = "changed_mind"
    USED = "used"
    MISSING_PARTS = "missing_parts"
    EXPECTATION_FAILED = "expectation_failed"
    COUNTERFEIT = "counterfeit"
    PHYSICAL_DAMAGE = "physical_damage"
    NOT_WORKING = "not_working"
    DOES_NOT_FIT = "does_not_fit"
    SUSPICIOUS_PARCEL = "suspicious_parcel"
    EXPIRED = "expired"
    WRONG_ORDER_INFO = "wrong_order_info"
    WRONG_ADDRESS = "wrong_address"
    SPILLED = "spilled"
    BROKEN = "broken"
    PACKAGE_DAMAGED = "package_damaged"
    SCRATCHED = "scratched"
    OTHER_DAMAGE = "other_damage"
    SIZE_DEVIATION = "size_deviation"
    LOOK_DEVIATION = "look_deviation"
    DATE_DEVIATION = "date_deviation"
    OTHER = "other"
    UNKNOWN = "unknown"


class BuyerActivity(enum.StrEnum):
    """What a buyer did that lets a seller message them (a send policy's buyer windows)."""

    CHATTED = "chatted"
    ORDERED = "ordered"
    OPEN_RETURN = "open_return"


@dataclass(frozen=True)
class BuyerWindow:
    activity: BuyerActivity
    within: timedelta | None = None  # None: as long as it lasts (an open return)


@dataclass(frozen=True)
class SendPolicy:
    """A marketplace's rules for sending chat messages, declared by its adapter and applied by
    the chat app before any call, so an agent learns the exact reason at once. None: no limit."""

    marketplace: str  # the name refusals give, e.g. the marketplace's brand
    max_text_length: int | None = None
    max_unanswered: int | None = None  # our messages in a row before the buyer must reply
    # The buyer may be messaged if any window holds; no windows: anyone may be.
    buyer_windows: tuple[BuyerWindow, ...] = ()
    duplicate_window: timedelta | None = None  # no identical text within this time
    refused_sites: frozenset[str] = frozenset()  # sites where the API offers no sending at all
    reply_elsewhere: str = ""  # where an agent replies on a refused site (the seller app)
    kinds: frozenset[MessageKind] = frozenset({MessageKind.TEXT})

    def window(self, activity: BuyerActivity) -> BuyerWindow | None:
        return next((w for w in self.buyer_windows if w.activity is activity), None)


@dataclass(frozen=True)
class ShopAuth:
    """What a shop-scoped call needs: the shop, a currently valid access token, and the
    credentials some marketplaces add (a shop cipher, a regional endpoint), by name."""

    shop_id: str
    access_token: str
    credentials: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)


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
    # The order this chat is about; some marketplaces require one on a first message.
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
    status_code: OrderStatus = OrderStatus.UNKNOWN  # `status` in neutral words
    ship_by: datetime | None = None  # the seller must hand it over by then (None: not set yet)


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
    status_code: TrackingStatus = TrackingStatus.UNKNOWN


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
    status_code: ReturnStatus = ReturnStatus.UNKNOWN
    reason_code: ReturnReason = ReturnReason.UNKNOWN


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
class ShopPerformance:
    """The marketplace's own chat figures for one shop, as its seller dashboard shows them.

    ``chat_response_rate`` is a fraction (0..1); ``response_time_seconds`` the average time to
    answer. Either is ``None`` when the marketplace does not report it. The period is the window
    the marketplace says the figures cover, ending at ``fetched_at``; targets are the shop's own
    (``None`` when not given). ``raw`` keeps the vendor payload for audit."""

    shop_id: str
    chat_response_rate: float | None
    response_time_seconds: float | None
    period_start: datetime
    period_end: datetime
    fetched_at: datetime
    non_responded_chats: int | None = None
    response_rate_target: float | None = None
    response_time_target_seconds: float | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


# What a push says, by kind: the adapter parses a vendor's push into one of these. Field names
# are those of the stored payloads (chat.InboundEvent.payload), which round-trip through
# integrations.codec.


@dataclass(frozen=True)
class ChatMessagePush:
    conversation_id: str = ""
    message: Message | None = None  # None: a notification only; the conversation is read


@dataclass(frozen=True)
class OrderStatusPush:
    order_ref: str
    status: str = ""  # as the marketplace names it
    status_code: OrderStatus = OrderStatus.UNKNOWN


@dataclass(frozen=True)
class TrackingPush:
    order_ref: str
    package_ref: str = ""
    tracking_number: str = ""


@dataclass(frozen=True)
class ReturnPush:
    return_ref: str
    order_ref: str = ""
    status: str = ""
    status_code: ReturnStatus = ReturnStatus.UNKNOWN


@dataclass(frozen=True)
class AuthPush:
    """An authorization granted, revoked or about to expire, for these shops."""

    shop_ids: tuple[str, ...] = ()
    merchant_ids: tuple[str, ...] = ()
    main_account_id: str = ""
    expires_before: datetime | None = None


PushPayload = ChatMessagePush | OrderStatusPush | TrackingPush | ReturnPush | AuthPush

# The payload type each kind carries (UNKNOWN carries none).
PUSH_PAYLOADS: dict[PushKind, type] = {
    PushKind.CHAT_MESSAGE: ChatMessagePush,
    PushKind.ORDER_STATUS: OrderStatusPush,
    PushKind.TRACKING_NUMBER: TrackingPush,
    PushKind.RETURN_UPDATE: ReturnPush,
    PushKind.AUTHORIZED: AuthPush,
    PushKind.DEAUTHORIZED: AuthPush,
    PushKind.TOKEN_EXPIRING: AuthPush,
}


@dataclass(frozen=True)
class PushEvent:
    kind: PushKind
    shop_id: str | None  # None for partner-level events (authorization pushes)
    dedup_key: str
    occurred_at: datetime | None
    # Neutral and typed (PUSH_PAYLOADS); raw vendor data stays in the stored raw body.
    payload: PushPayload | None = field(default=None, compare=False, hash=False)
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
    # False where the platform offers no sending at all on the shop's site (its refused sites).
    chat_send_offered: bool = True
