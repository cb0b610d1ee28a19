"""Storing platform messages: idempotent on the platform message id, safe out of order."""

import logging

from django.db import IntegrityError, transaction

from chat.models import UNCONFIRMED_OWN_SEND, Conversation, Message
from chat.services.publish import (
    message_and_conversation_events,
    message_event,
    write_and_publish,
)
from chat.services.state import message_preview, message_recorded, sender_kind_of
from chat.signals import message_received
from integrations import types
from integrations.models import Shop
from shopee_cs.db import first_with_related, insert_unless_exists, save_fields_statement

logger = logging.getLogger(__name__)


def _payload(message: types.Message) -> dict:
    fields = {
        "image_url": message.image_url,
        "item_id": message.item_id,
        "order_ref": message.order_ref,
        "sticker": message.sticker,
        "quoted_message_id": message.quoted_message_id,
    }
    return {k: v for k, v in fields.items() if v}


def conversation_get_or_create(
    *, shop: Shop, platform_conversation_id: str, buyer_platform_id: str, buyer_name: str = ""
) -> Conversation:
    """The conversation row, locked for update (callers run inside a transaction)."""
    conversation = (
        Conversation.objects.select_for_update()
        .filter(shop=shop, platform_conversation_id=platform_conversation_id)
        .first()
    )
    if conversation is not None:
        return conversation
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                shop=shop,
                platform_conversation_id=platform_conversation_id,
                buyer_platform_id=buyer_platform_id,
                buyer_name=buyer_name,
                group=shop.agent_groups.order_by("pk").first(),
            )
    except IntegrityError:  # created concurrently: take the winner's row
        conversation = Conversation.objects.select_for_update().get(
            shop=shop, platform_conversation_id=platform_conversation_id
        )
    return conversation


def _match_own_outbound(conversation: Conversation, message: types.Message) -> Message | None:
    """Our own send whose acknowledgement was lost: same text, still unconfirmed."""
    return (
        Message.objects.select_for_update(of=("self",))
        .filter(UNCONFIRMED_OWN_SEND, conversation=conversation, text=message.text)
        .order_by("created_at")
        .first()
    )


def conversation_locked_with_shop(
    *, platform: str, platform_shop_id: str, platform_conversation_id: str
) -> Conversation | None:
    """A stored conversation, locked for update, with its shop in the same query (a push names
    the shop by its platform id: one round trip instead of two)."""
    return first_with_related(
        Conversation,
        "shop",
        "t1.platform = %s AND t1.platform_shop_id = %s AND t0.platform_conversation_id = %s",
        [platform, platform_shop_id, platform_conversation_id],
        lock=True,
    )


def message_ingest(
    *,
    shop: Shop,
    message: types.Message,
    buyer_name: str = "",
    conversation: Conversation | None = None,
) -> tuple[Message, bool]:
    """Store one platform message. Returns (row, created); a known message id is a no-op.
    `conversation` is the message's conversation when the caller has it locked already."""
    if not buyer_name and message.sender == types.SenderRole.BUYER:
        buyer_name = message.extra.get("sender_name", "")
    # No savepoint of its own: callers inside a transaction (push processing, bulk ingest) roll
    # back as a whole on an error, and two round trips per message are saved.
    with transaction.atomic(savepoint=False):
        buyer_id = (
            message.sender_id if message.sender == types.SenderRole.BUYER else message.recipient_id
        )
        if conversation is None:
            conversation = conversation_get_or_create(
                shop=shop,
                platform_conversation_id=message.conversation_id,
                buyer_platform_id=buyer_id,
                buyer_name=buyer_name,
            )
            conversation.shop = shop  # its event shows the shop's countdown: no query for it
        kind, direction = sender_kind_of(message)
        if message.sender != types.SenderRole.SELLER:
            row = _build(conversation, message, kind, direction)
            # One round trip decides new or known; the conversation lock orders racing pushes.
            if not insert_unless_exists(row, conflict=_UNIQUE_ID, savepoint=False):
                return _known(shop, message), False
        else:
            existing = Message.objects.filter(
                shop=shop, platform_message_id=message.platform_message_id
            ).first()
            if existing is not None:
                return existing, False
            own = None if message.is_auto_reply else _match_own_outbound(conversation, message)
            if own is not None:
                own.platform_message_id = message.platform_message_id
                own.platform_created_at = message.sent_at
                own.status = Message.Status.SENT
                own.sent_at = own.sent_at or message.sent_at
                # Our send, confirmed by the read-back: the agent's reply at its marketplace time.
                change = message_recorded(
                    conversation, own, preview=message_preview(message), new_row=False
                )
                write_and_publish(
                    shop_id=own.shop_id,
                    writes=(
                        save_fields_statement(
                            own, "platform_message_id", "platform_created_at", "status", "sent_at"
                        ),
                        *change.statements,
                    ),
                    events=message_and_conversation_events(
                        message=own,
                        event_type="chat.message_status_changed",
                        conversation=conversation,
                    ),
                )
                change.announce(conversation)
                return own, False
            row = _create(conversation, message, kind, direction)
        if buyer_name and not conversation.buyer_name:
            conversation.buyer_name = buyer_name
        change = message_recorded(conversation, row, preview=message_preview(message), new_row=True)
        write_and_publish(  # the conversation's update, its facts and the events in one trip
            shop_id=row.shop_id,
            writes=tuple(change.statements),
            events=message_and_conversation_events(
                message=row, event_type="chat.message_created", conversation=conversation
            ),
        )
        change.announce(conversation)
        if row.sender_kind == Message.SenderKind.BUYER:
            transaction.on_commit(
                lambda: message_received.send(
                    sender=Message, message=row, conversation=conversation
                ),
                robust=True,
            )
    return row, True


_UNIQUE_ID = ("shop", "platform_message_id")


def message_classification_set(
    *, message: Message, language: str, intent: str, intent_confidence: float | None
) -> Message:
    """Record a buyer message's detected language and intent (an UPDATE of those three columns
    only, so a concurrent status change is not overwritten) and tell the shop's consoles
    (chat.message_updated). The caller (automation) owns the codes; this checks their shape."""
    if len(language) > Message._meta.get_field("language").max_length:
        raise ValueError(f"language code too long: {language!r}")
    if not intent or len(intent) > Message._meta.get_field("intent").max_length:
        raise ValueError(f"invalid intent code: {intent!r}")
    if intent_confidence is not None and not 0.0 <= intent_confidence <= 1.0:
        raise ValueError(f"intent confidence out of 0..1: {intent_confidence!r}")
    message.language, message.intent = language, intent
    message.intent_confidence = intent_confidence
    with transaction.atomic():
        write_and_publish(
            shop_id=message.shop_id,
            writes=(save_fields_statement(message, "language", "intent", "intent_confidence"),),
            events=[message_event(message=message, event_type="chat.message_updated")],
        )
    return message


def _known(shop: Shop, message: types.Message) -> Message:
    return Message.objects.get(shop=shop, platform_message_id=message.platform_message_id)


def _build(
    conversation: Conversation, message: types.Message, sender_kind: str, direction: str
) -> Message:
    inbound = direction == Message.Direction.INBOUND
    return Message(
        conversation=conversation,
        shop_id=conversation.shop_id,
        platform_message_id=message.platform_message_id,
        direction=direction,
        sender_kind=sender_kind,
        kind=message.kind.value,
        text=message.text,
        payload=_payload(message),
        platform_created_at=message.sent_at,
        status=Message.Status.RECEIVED if inbound else Message.Status.SENT,
        sent_at=None if inbound else message.sent_at,
    )


def _create(
    conversation: Conversation, message: types.Message, sender_kind: str, direction: str
) -> Message:
    row = _build(conversation, message, sender_kind, direction)
    row.save(force_insert=True)
    return row
