"""The pull-sync write path: many conversations' messages stored in one transaction with a
constant number of statements, however many rows (reconciliation and backfills).

Per batch: lock or create the conversations, insert the messages with one
`INSERT ... SELECT ... FROM jsonb_array_elements(...) ON CONFLICT DO NOTHING RETURNING` (which
tells the new ones from those stored before), update the conversations from the new ones through
the state machine (chat.services.state: their clocks, and their facts in the same statement),
and publish one update per conversation and each new message of a conversation that had messages
before (one insert of their events). Conversations holding one of our own unconfirmed sends go
through message_ingest one message at a time, so that send is matched, never duplicated.
"""

import json
from dataclasses import dataclass

import psycopg
from django.db import connection, transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from chat.models import UNCONFIRMED_OWN_SEND, Conversation, ConversationFact, Message
from chat.services.messages import _payload, message_ingest
from chat.services.publish import conversation_event, live_events_publish_bulk
from chat.services.state import (
    CONVERSATIONS_BATCH_UPDATE_SQL,
    BatchChange,
    messages_recorded_batch,
    sender_kind_of,
    signal_for,
)
from chat.signals import message_received
from integrations import types
from integrations.models import Shop


@dataclass(frozen=True)
class ConversationBatch:
    platform_conversation_id: str
    buyer_name: str
    messages: list[types.Message]  # as the adapter lists them: newest first


def _buyer_id(message: types.Message) -> str:
    return message.sender_id if message.sender == types.SenderRole.BUYER else message.recipient_id


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
    conversations = {c.platform_conversation_id: c for c in locked}
    for conversation in conversations.values():
        conversation.shop = shop  # its event shows the shop's countdown: no query for it
    return conversations


def _bulk_execute(sql: str, arrays: list[list]) -> list[tuple]:
    """Run one statement on Django's connection (so inside its transaction) with the arrays sent
    as binary parameters: Django's client-side binding would quote every element into the SQL
    text, which cost more than the insert itself (BM3). Returns the rows it returns."""
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, arrays)  # errors surface as django.db errors, as elsewhere
        return cursor.fetchall() if cursor.description else []


def _insert(rows: list[tuple]) -> dict[str, int]:
    """Insert the rows a batch has not seen; returns the new ones' ids by platform id.

    The rows travel as one JSON document: psycopg dumps binary arrays element by element in
    Python, which cost more than encoding the whole batch with the json module (BM3). Their
    created_at is the transaction's now() for all of them, so it is not returned per row
    (parsing tens of thousands of equal timestamps back cost more than the fold, BM3)."""
    return dict(
        _bulk_execute(
            """
            INSERT INTO chat_message (conversation_id, shop_id, platform_message_id, direction,
                sender_kind, kind, text, payload, platform_created_at, created_at, status,
                failure_code, failure_reason, sent_at)
            SELECT (r->>0)::bigint, (r->>1)::bigint, r->>2, r->>3, r->>4, r->>5, r->>6, r->7,
                (r->>8)::timestamptz, now(), r->>9, '', '', (r->>10)::timestamptz
            FROM jsonb_array_elements(%b::jsonb) AS r
            ON CONFLICT DO NOTHING
            RETURNING platform_message_id, id
            """,
            [Jsonb(rows, dumps=json.dumps)],
        )
    )


def _transaction_now():
    """now() of the current transaction: the created_at of every row it inserted."""
    return _bulk_execute("SELECT now()", [])[0][0]


def _update_conversations(change: BatchChange) -> None:
    """Write the touched conversations and their facts with one statement (the state machine's):
    Django's bulk_update builds a CASE per column and row, which cost more than inserting the
    messages."""
    if change.conversations:
        _bulk_execute(CONVERSATIONS_BATCH_UPDATE_SQL, change.params())


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
            # Marketplace order: pages list the newest first, so reversed, same-second messages
            # keep theirs; the row ids follow it (the state machine's tie-break).
            ordered = sorted(reversed(batch.messages), key=lambda m: m.sent_at)
            if conversation.pk in pending_own:
                for message in ordered:
                    created += message_ingest(shop=shop, message=message)[1]
                continue
            plain.append((batch, conversation))
            rows += [_row(conversation.pk, shop.pk, message) for message in ordered]
        new_ids = _insert(rows) if rows else {}
        stored, buyer_ids = [], []
        for batch, conversation in plain:
            if batch.buyer_name and not conversation.buyer_name:
                conversation.buyer_name = batch.buyer_name
            fresh = {m.platform_message_id: m for m in batch.messages}
            # Rows stored before are already in the conversation's state.
            new = [(new_ids[i], m) for i, m in fresh.items() if i in new_ids]
            buyer_ids += [
                m.platform_message_id for _, m in new if m.sender == types.SenderRole.BUYER
            ]
            stored.append((conversation, new))
        change = messages_recorded_batch(stored)
        for batch, conversation in plain:
            newest = max(m.sent_at for m in batch.messages)
            conversation.synced_until = max(conversation.synced_until or newest, newest)
            conversation.updated_at = timezone.now()
        _update_conversations(change)
        events = (
            _created_events([r for r in rows if r[0] in shown], new_ids, _transaction_now())
            if shown and new_ids
            else []
        )
        events += [conversation_event(conversation=c) for c in change.conversations]
        live_events_publish_bulk(shop_id=shop.pk, events=events)
        # Loading the new rows back only pays off when some layer listens.
        if buyer_ids and message_received.has_listeners(Message):
            transaction.on_commit(lambda: _announce(shop, buyer_ids), robust=True)
        if new_ids and any(s.has_listeners(ConversationFact) for s in signal_for.values()):
            ids = list(new_ids.values())
            transaction.on_commit(lambda: _announce_facts(ids), robust=True)
    return created + len(new_ids)


def _row(conversation_id: int, shop_id: int, message: types.Message) -> tuple:
    sender_kind, direction = sender_kind_of(message)
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


def _created_events(rows: list[tuple], new_ids: dict[str, int], created_at) -> list[dict]:
    """chat.message_created for each new row (chat.events.MessageData, built from the row as
    inserted: loading thousands back as models would cost more than storing them, BM3)."""
    events, pending = [], dict(new_ids)
    created = created_at.isoformat()  # as message_data writes it, to the digit
    for row in rows:
        pk = pending.pop(row[2], None)  # a page may list a message twice: one event
        if pk is None:
            continue
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
                    "created_at": created,
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


def _announce_facts(message_ids: list[int]) -> None:
    """The upward signals of the new messages' facts, after the commit (see chat.signals)."""
    facts = ConversationFact.objects.filter(
        message_id__in=message_ids, kind__in=list(signal_for)
    ).select_related("conversation")
    for fact in facts:
        signal_for[fact.kind].send(
            sender=ConversationFact, fact=fact, conversation=fact.conversation
        )
