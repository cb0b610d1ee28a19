"""Fan-out of chat events to the agents' sockets (see chat.events).

Each event is also written to LiveEvent in the same transaction; its id travels as
``event_id`` so a reconnecting socket replays exactly what it missed.
"""

from typing import Any

from chat.events import conversation_data, message_data
from chat.models import Conversation, LiveEvent, Message
from shopee_cs.db import Statement, execute_together, insert_rows_statement
from shopee_cs.realtime import publish_on_commit, shop_group


def conv_group(conversation_id: int) -> str:
    return f"conv.{conversation_id}"


def live_event_publish(*, shop_id: int, event: dict[str, Any]) -> LiveEvent:
    record = LiveEvent.objects.create(shop_id=shop_id, type=event["type"], payload=event)
    publish_on_commit(shop_group(shop_id), {**event, "event_id": record.pk})
    return record


def live_events_publish(
    *, shop_id: int, events: list[dict[str, Any]], together_with: tuple[Statement, ...] = ()
) -> None:
    """Several events of one shop, written with a single insert and sent in order. The
    `together_with` statements (the writes the events announce) run first, in the same round
    trip."""
    records = [LiveEvent(shop_id=shop_id, type=e["type"], payload=e) for e in events]
    statements = (*together_with, insert_rows_statement(records)) if records else together_with
    if statements:
        execute_together(*statements)
    for record, event in zip(records, events, strict=True):
        publish_on_commit(shop_group(shop_id), {**event, "event_id": record.pk})


def message_event(*, message: Message, event_type: str) -> dict[str, Any]:
    return {"type": event_type, "message": message_data(message)}


def conversation_event(*, conversation: Conversation) -> dict[str, Any]:
    return {"type": "chat.conversation_updated", "conversation": conversation_data(conversation)}


def message_publish(*, message: Message, event_type: str) -> None:
    live_event_publish(
        shop_id=message.shop_id, event=message_event(message=message, event_type=event_type)
    )


def conversation_publish(*, conversation: Conversation) -> None:
    live_event_publish(
        shop_id=conversation.shop_id, event=conversation_event(conversation=conversation)
    )


def message_and_conversation_publish(
    *,
    message: Message,
    event_type: str,
    conversation: Conversation,
    together_with: tuple[Statement, ...] = (),
) -> None:
    """A message event and its conversation's update, written with a single insert (after the
    `together_with` statements, in the same round trip)."""
    live_events_publish(
        shop_id=message.shop_id,
        events=[
            message_event(message=message, event_type=event_type),
            conversation_event(conversation=conversation),
        ],
        together_with=together_with,
    )


def live_event_publish_many(*, shop_id: int, conversations: list[Conversation]) -> None:
    """One conversation update per conversation, written with a single insert."""
    live_events_publish(
        shop_id=shop_id, events=[conversation_event(conversation=c) for c in conversations]
    )
