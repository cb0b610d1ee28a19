"""The pull-sync write path: many conversations' messages stored in one transaction with a
constant number of statements, however many rows (reconciliation and backfills).

Per batch: lock or create the conversations, insert the messages with one
`INSERT ... SELECT ... FROM jsonb_array_elements(...) ON CONFLICT DO NOTHING RETURNING` (which
tells the new ones from those stored before), update the conversations from the new ones, and
publish one update per conversation and each new message of a conversation that had messages
before (one insert of their events).
Conversations holding one of our own unconfirmed sends go through message_ingest one message at
a time, so that send is matched, never duplicated.
"""

import json
from dataclasses import dataclass

import psycopg
from django.db import connection, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from chat.models import UNCONFIRMED_OWN_SEND, Conversation, Message
from chat.services.messages import (
    CONVERSATION_FIELDS_INGEST_CHANGES,
    _apply_to_conversation,
    _payload,
    message_ingest,
)
from chat.services.publish import conversation_event, live_events_publish_bulk
from chat.signals import message_received
from integrations import types
from integrations.models import Shop

# The conversation columns a batch changes, in the order of the arrays in _update_conversations.
_CONVERSATION_COLUMNS = (*CONVERSATION_FIELDS_INGEST_CHANGES, "synced_until")


@dataclass(frozen=True)
class ConversationBatch:
    platform_conversation_id: str
    buyer_name: str
    messages: list[types.Message]


def _buyer_id(message: types.Message) -> str:
    return message.sender_id if message.sender == types.SenderRole.BUYER else message.recipient_id


def _kind(message: types.Message) -> tuple[str, str]:
    if message.sender == types.SenderRole.BUYER:
        return Message.SenderKind.BUYER, Message.Direction.INBOUND
    if message.sender == types.SenderRole.SELLER:
        kind = Message.SenderKind.AUTO if message.is_auto_reply else Message.SenderKind.OUTSIDE
        return kind, Message.Direction.OUTBOUND
    return Message.SenderKind.SYSTEM, Message.Direction.INBOUND


def _conversations(shop: Shop, batches: list[ConversationBatch]) -> dict[str, Conversation]:
    ids = [b.platform_conversation_id for b in batches]
    group = shop.agent_groups.order_by("pk").first()
    Conversation.objects.bulk_create(
        [
            Conversation(
                shop=shop,
                platform_conversation_id=b.platform_conversation_id,
                buyer_platform_id=_buyer_id(b.messages[0]),
                buyer_name=b.buyer_name,
                group=group,
            )
            for b in batches
        ],
        ignore_conflicts=True,
    )
    locked = Conversation.objects.select_for_update().filter(
        shop=shop, platform_conversation_id__in=ids
    )
    return {c.platform_conversation_id: c for c in locked}


def _bulk_execute(sql: str, arrays: list[list]) -> list[tuple]:
    """Run one statement on Django's connection (so inside its transaction) with the arrays sent
    as binary parameters: Django's client-side binding would quote every element into the SQL
    text, which cost more than the insert itself (BM3). Returns the rows it returns."""
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, arrays)  # errors surface as django.db errors, as elsewhere
        return cursor.fetchall() if cursor.description else []


def _insert(rows: list[tuple]) -> dict[str, tuple]:
    """Insert the rows a batch has not seen; returns the new ones' (id, created_at) by platform id.

    The rows travel as one JSON document: psycopg dumps binary arrays element by element in
    Python, which cost more than encoding the whole batch with the json module (BM3)."""
    return {
        row[0]: row[1:]
        for row in _bulk_execute(
            """
            INSERT INTO chat_message (conversation_id, shop_id, platform_message_id, direction,
                sender_kind, kind, text, payload, platform_created_at, created_at, status,
                failure_code, failure_reason, sent_at)
            SELECT (r->>0)::bigint, (r->>1)::bigint, r->>2, r->>3, r->>4, r->>5, r->>6, r->7,
                (r->>8)::timestamptz, now(), r->>9, '', '', (r->>10)::timestamptz
            FROM jsonb_array_elements(%b::jsonb) AS r
            ON CONFLICT DO NOTHING
            RETURNING platform_message_id, id, created_at
            """,
            [Jsonb(rows, dumps=json.dumps)],
        )
    }


def _update_conversations(conversations: list[Conversation]) -> None:
    """Write the touched conversations with one UPDATE ... FROM unnest(...): Django's bulk_update
    builds a CASE per column and row, which cost more than inserting the messages."""
    if not conversations:
        return
    _bulk_execute(
        """
        UPDATE chat_conversation AS c
        SET buyer_name = u.bn, last_message_at = u.lm, last_message_preview = u.lp,
            awaiting_reply_since = u.ar, last_buyer_message_at = u.lb,
            last_seller_message_at = u.ls, unread_count = u.uc, status = u.st,
            updated_at = u.ua, synced_until = u.su
        FROM unnest(%b::bigint[], %b::text[], %b::timestamptz[], %b::text[],
                    %b::timestamptz[], %b::timestamptz[], %b::timestamptz[], %b::integer[],
                    %b::text[], %b::timestamptz[], %b::timestamptz[])
            AS u(id, bn, lm, lp, ar, lb, ls, uc, st, ua, su)
        WHERE c.id = u.id
        """,
        [[c.pk for c in conversations]]
        + [[getattr(c, name) for c in conversations] for name in _CONVERSATION_COLUMNS],
    )


def messages_ingest_batch(*, shop: Shop, batches: list[ConversationBatch]) -> int:
    """Store several conversations' messages; returns how many rows were new."""
    batches = [b for b in batches if b.messages]
    if not batches:
        return 0
    created = 0
    with transaction.atomic():
        conversations = _conversations(shop, batches)
        # Only a conversation with messages before this batch can be open in a console (the
        # inbox lists no other): its new messages are announced one by one; any other's by its
        # update alone, which keeps a backfill's cost to one event per conversation (BM3).
        shown = {c.pk for c in conversations.values() if c.last_message_at is not None}
        pending_own = set(
            Message.objects.filter(
                UNCONFIRMED_OWN_SEND, conversation__in=conversations.values()
            ).values_list("conversation_id", flat=True)
        )
        rows, plain = [], []
        for batch in batches:
            conversation = conversations[batch.platform_conversation_id]
            if conversation.pk in pending_own:
                for message in batch.messages:
                    created += message_ingest(shop=shop, message=message)[1]
                continue
            plain.append((batch, conversation))
            ordered = sorted(batch.messages, key=lambda m: m.sent_at)  # ids follow time
            rows += [_row(conversation.pk, shop.pk, message) for message in ordered]
        new_ids = _insert(rows) if rows else {}
        touched, buyer_ids = [], []
        for batch, conversation in plain:
            if batch.buyer_name and not conversation.buyer_name:
                conversation.buyer_name = batch.buyer_name
            fresh = {m.platform_message_id: m for m in batch.messages}
            for message in sorted(fresh.values(), key=lambda m: m.sent_at):
                if message.platform_message_id not in new_ids:
                    continue  # stored before: already counted in the conversation
                if message.sender == types.SenderRole.BUYER:
                    buyer_ids.append(message.platform_message_id)
                _apply_to_conversation(conversation, message, message.sent_at)
            newest = max(m.sent_at for m in batch.messages)
            conversation.synced_until = max(conversation.synced_until or newest, newest)
            conversation.updated_at = timezone.now()
            touched.append(conversation)
        _update_conversations(touched)
        events = _created_events([r for r in rows if r[0] in shown], new_ids) if shown else []
        events += [conversation_event(conversation=c) for c in touched]
        live_events_publish_bulk(shop_id=shop.pk, events=events)
        # Loading the new rows back only pays off when some layer listens.
        if buyer_ids and message_received.has_listeners(Message):
            transaction.on_commit(lambda: _announce(shop, buyer_ids), robust=True)
    return created + len(new_ids)


def _row(conversation_id: int, shop_id: int, message: types.Message) -> tuple:
    sender_kind, direction = _kind(message)
    inbound = direction == Message.Direction.INBOUND
    payload = _payload(message)
    sent_at = message.sent_at.isoformat()  # exact, and parsed by PostgreSQL
    return (
        conversation_id,
        shop_id,
        message.platform_message_id,
        direction,
        sender_kind,
        message.kind.value,
        message.text,
        payload,
        sent_at,
        Message.Status.RECEIVED if inbound else Message.Status.SENT,
        None if inbound else sent_at,
    )


def _created_events(rows: list[tuple], new_ids: dict[str, tuple]) -> list[dict]:
    """chat.message_created for each new row (chat.events.MessageData, built from the row as
    inserted: loading thousands back as models would cost more than storing them, BM3)."""
    events, pending = [], dict(new_ids)
    for row in rows:
        stored = pending.pop(row[2], None)  # a page may list a message twice: one event
        if stored is None:
            continue
        pk, created_at = stored
        events.append(
            {
                "type": "chat.message_created",
                "message": {
                    "id": pk,
                    "conversation_id": row[0],
                    "shop_id": row[1],
                    "platform_message_id": row[2],
                    "direction": row[3],
                    "sender_kind": row[4],
                    "kind": row[5],
                    "text": row[6],
                    "payload": row[7],
                    "status": row[9],
                    "failure_code": "",
                    "failure_reason": "",
                    "retryable": False,  # stored as received or sent, never failed
                    "platform_created_at": row[8],
                    "created_at": created_at.isoformat(),
                },
            }
        )
    return events


def _announce(shop: Shop, platform_ids: list[str]) -> None:
    """message_received for each new buyer message, after the commit (see chat.signals)."""
    rows = Message.objects.filter(shop=shop, platform_message_id__in=platform_ids).select_related(
        "conversation"
    )
    for row in rows:
        message_received.send(sender=Message, message=row, conversation=row.conversation)
