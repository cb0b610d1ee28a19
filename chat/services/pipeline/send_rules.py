"""The marketplace's send rules, checked before calling the API so an agent gets the exact reason
at once and no message is lost in a refusal. The rules are the shop's adapter's send policy
(integrations.types.SendPolicy); this module applies any policy the same way."""

from dataclasses import dataclass

from django.db import connection

from chat.marketplace_texts import EMPTY, KIND_NOT_SUPPORTED, refusal_reason
from chat.models import BuyerOrder, BuyerReturn, Conversation, Message
from integrations.adapters import adapter_class
from integrations.errors import ForbiddenSend
from integrations.types import SETTLED_RETURN_STATUSES, BuyerActivity, SendPolicy

NO_ADAPTER = "no_adapter"
_LIVE = [Message.Status.QUEUED, Message.Status.SENDING, Message.Status.SENT, Message.Status.UNKNOWN]


# Refusals that sending the same content to the same shop again can never pass (other failures
# may pass later: the buyer replies, 24 h go by, the shop reconnects, the network recovers).
FINAL_FAILURE_CODES = frozenset(
    {
        EMPTY,
        KIND_NOT_SUPPORTED,
        NO_ADAPTER,
        ForbiddenSend.TOO_LONG,
        ForbiddenSend.CENSORED,
        ForbiddenSend.REGION_NOT_SUPPORTED,
    }
)


def send_policy(platform: str) -> SendPolicy:
    """The send policy the platform's adapter declares (no settings read, no call made);
    LookupError for a platform with no registered adapter."""
    return adapter_class(platform).send_policy()


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
    shop = conversation.shop
    try:
        policy = send_policy(shop.platform)
    except LookupError:
        return SendRefusal(
            NO_ADAPTER,
            f"No marketplace adapter is registered for {shop.platform}: nothing is sent.",
        )

    def refused(code: str) -> SendRefusal:
        return SendRefusal(code, refusal_reason(code, policy, count=len(text), site=shop.site))

    if shop.site in policy.refused_sites:
        return refused(ForbiddenSend.REGION_NOT_SUPPORTED)
    if kind not in policy.kinds:
        return refused(KIND_NOT_SUPPORTED)
    if kind == "text":
        if not text.strip():
            return refused(EMPTY)
        if policy.max_text_length is not None and len(text) > policy.max_text_length:
            return refused(ForbiddenSend.TOO_LONG)
    found = _outbound_counts(
        conversation,
        text=text if kind == "text" and policy.duplicate_window else None,
        policy=policy,
        now=now,
        exclude=exclude_message_id,
    )
    if policy.max_unanswered is not None and found["unanswered"] >= policy.max_unanswered:
        return refused(ForbiddenSend.TOO_MANY_UNANSWERED)
    if found["repeats"]:
        return refused(ForbiddenSend.DUPLICATE_TEXT)
    if not _buyer_reachable(conversation, policy, now):
        return refused(ForbiddenSend.BUYER_NOT_ELIGIBLE)
    return None


# Checked before every send: one statement written out, not compiled at every call. Our live
# messages since the buyer last wrote (all of them if the buyer never did), and those repeating
# `text` within the policy's duplicate window.
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


def _outbound_counts(
    conversation: Conversation, *, text: str | None, policy: SendPolicy, now, exclude
) -> dict:
    window = policy.duplicate_window
    params = {
        "buyer_at": conversation.last_buyer_message_at,
        "text": text,  # None (not a text message, or no duplicate rule) matches no row
        "repeat_since": now - window if window else now,
        "conversation": conversation.pk,
        "outbound": Message.Direction.OUTBOUND,
        "live": list(_LIVE),
        "exclude": exclude,
    }
    with connection.cursor() as cursor:
        cursor.execute(_OUTBOUND_COUNTS_SQL, params)
        unanswered, repeats = cursor.fetchone()
    return {"unanswered": unanswered, "repeats": repeats}


def _buyer_reachable(conversation: Conversation, policy: SendPolicy, now) -> bool:
    if not policy.buyer_windows:
        return True
    last_chat = conversation.last_buyer_message_at
    if last_chat is None:
        return True  # unknown history: leave the decision to the marketplace
    chatted = policy.window(BuyerActivity.CHATTED)
    if chatted and (chatted.within is None or last_chat >= now - chatted.within):
        return True
    orders = BuyerOrder.objects.filter(
        shop=conversation.shop, buyer_platform_id=conversation.buyer_platform_id
    )
    ordered = policy.window(BuyerActivity.ORDERED)
    if ordered:
        recent = (
            orders
            if ordered.within is None
            else orders.filter(platform_created_at__gte=now - ordered.within)
        )
        if recent.exists():
            return True
    if policy.window(BuyerActivity.OPEN_RETURN) is None:
        return False
    refs = orders.values_list("order_ref", flat=True)
    return (
        BuyerReturn.objects.filter(shop=conversation.shop, order_ref__in=refs)
        .exclude(status_code__in=list(SETTLED_RETURN_STATUSES))
        .exists()
    )
