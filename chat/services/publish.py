"""Fan-out of chat events to the agents' sockets (see chat.events).

Services write, then publish. Each event is also stored as a LiveEvent in the same transaction;
its id travels as ``event_id`` so a reconnecting socket replays exactly what it missed. The
helpers here store and send events only: what else is written is the calling service's choice
(write_and_publish runs the service's own statements and the events' insert in one round trip).
"""

import json
from collections.abc import Sequence
from typing import Any

from psycopg.types.json import Jsonb

from chat.events import conversation_data, message_data
from chat.models import Conversation, LiveEvent, Message
from shopee_cs.db import Statement, execute_binary, execute_together, insert_rows_statement
from shopee_cs.realtime import publish_on_commit, shop_group


def live_event_publish(*, shop_id: int, event: dict[str, Any]) -> LiveEvent:
    record = LiveEvent.objects.create(shop_id=shop_id, type=event["type"], payload=event)
    publish_on_commit(shop_group(shop_id), {**event, "event_id": record.pk})
    return record


def write_and_publish(
    *, shop_id: int, writes: Sequence[Statement], events: list[dict[str, Any]]
) -> None:
    """Run the caller's `writes`, then store `events` (of one shop) with a single insert, in one
    round trip; the events are sent in order once the transaction commits."""
    records = [LiveEvent(shop_id=shop_id, type=e["type"], payload=e) for e in events]
    statements = [*writes, insert_rows_statement(records)] if records else list(writes)
    if statements:
        execute_together(*statements)
    for record, event in zip(records, events, strict=True):
        publish_on_commit(shop_group(shop_id), {**event, "event_id": record.pk})


def live_events_publish_bulk(*, shop_id: int, events: list[dict[str, Any]]) -> None:
    """Many events of one shop (a pull-sync batch) stored with a single insert and sent in order
    on commit. The events travel as one JSON document bound server-side, as the batch's
    messages do (BM3): execute_together's client-side binding would quote every payload into
    the statement's text."""
    if not events:
        return
    rows = execute_binary(
        """
        INSERT INTO chat_liveevent (shop_id, type, payload, created_at)
        SELECT %b, e->>'type', e, now()
        FROM jsonb_array_elements(%b::jsonb) WITH ORDINALITY AS t(e, n)
        ORDER BY n
        RETURNING id
        """,
        [shop_id, Jsonb(events, dumps=json.dumps)],
    )
    # Ids are drawn in the insert's order, whatever order RETURNING lists them in.
    for pk, event in zip(sorted(row[0] for row in rows), events, strict=True):
        publish_on_commit(shop_group(shop_id), {**event, "event_id": pk})


def message_event(*, message: Message, event_type: str) -> dict[str, Any]:
    return {"type": event_type, "message": message_data(message)}


def conversation_event(*, conversation: Conversation) -> dict[str, Any]:
    return {"type": "chat.conversation_updated", "conversation": conversation_data(conversation)}


def message_and_conversation_events(
    *, message: Message, event_type: str, conversation: Conversation
) -> list[dict[str, Any]]:
    """A message's event and its conversation's update, in that order."""
    return [
        message_event(message=message, event_type=event_type),
        conversation_event(conversation=conversation),
    ]


def message_publish(*, message: Message, event_type: str) -> None:
    live_event_publish(
        shop_id=message.shop_id, event=message_event(message=message, event_type=event_type)
    )


def conversation_publish(*, conversation: Conversation) -> None:
    live_event_publish(
        shop_id=conversation.shop_id, event=conversation_event(conversation=conversation)
    )
