"""The marketplace's send rules, checked before calling the API so an agent gets the exact reason
at once and no message is lost in a refusal (Shopee doc §5.4)."""

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection

from chat.models import BuyerOrder, BuyerReturn, Conversation, Message
from integrations.errors import ForbiddenSend

MAX_TEXT_LENGTH = 600
MAX_UNANSWERED = 5
CHAT_WINDOW = timedelta(days=7)
ORDER_WINDOW = timedelta(days=30)
DUPLICATE_WINDOW = timedelta(hours=24)
SITES_WITHOUT_CHAT_API = {"TW"}
_LIVE = [Message.Status.QUEUED, Message.Status.SENDING, Message.Status.SENT, Message.Status.UNKNOWN]


# Refusals that sending the same content to the same shop again can never pass (other failures
# may pass later: the buyer replies, 24 h go by, the shop reconnects, the network recovers).
FINAL_FAILURE_CODES = frozenset(
    {"empty", ForbiddenSend.TOO_LONG, ForbiddenSend.CENSORED, ForbiddenSend.REGION_NOT_SUPPORTED}
)


def message_retryable(message: Message) -> bool:
    """A failed message of ours that a retry could still send."""
    return (
        message.status == Message.Status.FAILED
        and message.sender_kind != Message.SenderKind.OUTSIDE
        and message.failure_code not in FINAL_FAILURE_CODES
    )


@dataclass(frozen=True)
class SendRefusal:
    code: str
    reason: str


def send_rules_check(
    *, conversation: Conversation, kind: str, text: str, now, exclude_message_id: int | None = None
) -> SendRefusal | None:
    if conversation.shop.site in SITES_WITHOUT_CHAT_API:
        return SendRefusal(
            ForbiddenSend.REGION_NOT_SUPPORTED,
            f"Shopee does not allow sending chat messages through the API on the "
            f"{conversation.shop.site} site; reply in Seller Centre.",
        )
    if kind == "text":
        if not text.strip():
            return SendRefusal("empty", "The message is empty.")
        if len(text) > MAX_TEXT_LENGTH:
            return SendRefusal(
                ForbiddenSend.TOO_LONG,
                f"The message has {len(text)} characters; Shopee allows at most {MAX_TEXT_LENGTH}.",
            )
    found = _outbound_counts(
        conversation, text=text if kind == "text" else None, now=now, exclude=exclude_message_id
    )
    if found["unanswered"] >= MAX_UNANSWERED:
        return SendRefusal(
            ForbiddenSend.TOO_MANY_UNANSWERED,
            f"{MAX_UNANSWERED} messages in a row are unanswered; Shopee blocks more until the "
            f"buyer replies.",
        )
    if found["repeats"]:
        return SendRefusal(
            ForbiddenSend.DUPLICATE_TEXT,
            "The same text was sent to this buyer within the last 24 hours; Shopee refuses "
            "repeats. Change the wording.",
        )
    if not _buyer_reachable(conversation, now):
        return SendRefusal(
            ForbiddenSend.BUYER_NOT_ELIGIBLE,
            "The buyer has not chatted in the last 7 days, ordered in the last 30 days, or "
            "opened a return; Shopee does not allow messaging them.",
        )
    return None


# Checked before every send: one statement written out, not compiled at every call. Our live
# messages since the buyer last wrote (all of them if the buyer never did), and those repeating
# `text` within DUPLICATE_WINDOW.
_OUTBOUND_COUNTS_SQL = """
    SELECT
        count(*) FILTER (
            WHERE %(buyer_at)s::timestamptz IS NULL OR platform_created_at >= %(buyer_at)s
                OR (platform_created_at IS NULL AND created_at > %(buyer_at)s)
        ),
        count(*) FILTER (WHERE text = %(text)s AND created_at >= %(repeat_since)s)
    FROM chat_message
    WHERE conversation_id = %(conversation)s AND direction = %(outbound)s
        AND status = ANY(%(live)s) AND id IS DISTINCT FROM %(exclude)s
"""


def _outbound_counts(conversation: Conversation, *, text: str | None, now, exclude) -> dict:
    params = {
        "buyer_at": conversation.last_buyer_message_at,
        "text": text,  # None (not a text message) matches no row
        "repeat_since": now - DUPLICATE_WINDOW,
        "conversation": conversation.pk,
        "outbound": Message.Direction.OUTBOUND,
        "live": list(_LIVE),
        "exclude": exclude,
    }
    with connection.cursor() as cursor:
        cursor.execute(_OUTBOUND_COUNTS_SQL, params)
        unanswered, repeats = cursor.fetchone()
    return {"unanswered": unanswered, "repeats": repeats}


def _buyer_reachable(conversation: Conversation, now) -> bool:
    last_chat = conversation.last_buyer_message_at
    if last_chat is None or last_chat >= now - CHAT_WINDOW:
        return True  # unknown history: leave the decision to the marketplace
    orders = BuyerOrder.objects.filter(
        shop=conversation.shop, buyer_platform_id=conversation.buyer_platform_id
    )
    if orders.filter(platform_created_at__gte=now - ORDER_WINDOW).exists():
        return True
    refs = orders.values_list("order_ref", flat=True)
    return (
        BuyerReturn.objects.filter(shop=conversation.shop, order_ref__in=refs)
        .exclude(status__in=["CLOSED", "CANCELLED", "REFUND_PAID", "ACCEPTED"])
        .exists()
    )
