"""Messages stored by pull-sync (reconciliation, a notification's fetch) are announced like
pushed ones: chat.message_created for each new message, so an open thread shows them live."""

from datetime import UTC, datetime, timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import DatabaseError, transaction

from chat.events import conversation_data, message_data
from chat.models import Conversation, LiveEvent, Message
from chat.services.bulk_ingest import ConversationBatch, messages_ingest_batch
from chat.services.publish import conversation_event, write_and_publish
from chat.services.reconcile import shop_reconcile
from integrations import types
from integrations.shopee.simulator import buyer_message
from integrations.shopee.simulator.traffic import seller_centre_reply
from shopee_cs.db import save_fields_statement
from tests.chat.conftest import SHOP_ID
from tests.chat.test_agent_consumer import _communicator, _until
from tests.factories import AgentGroupFactory, ConversationFactory, UserFactory, login_verified

pytestmark = pytest.mark.django_db(transaction=True)


def _created(events) -> list[dict]:
    return [e for e in events if e["type"] == "chat.message_created"]


def test_a_reconciled_reply_reaches_the_open_socket_as_a_new_message(client, simulator, shop):
    agent = UserFactory()
    AgentGroupFactory(shops=[shop], members=[agent])
    login_verified(client, agent)
    sim = simulator.sim
    buyer_message(sim, shop_id=SHOP_ID, buyer_id=7401, text="Can I change the size?")  # lost
    sim.advance_clock(20)
    reply = seller_centre_reply(sim, shop_id=SHOP_ID)  # never pushed

    async def scenario():
        communicator = _communicator(client)
        assert (await communicator.connect())[0]
        await _until(communicator, "chat.agent_presence")
        await sync_to_async(shop_reconcile)(shop=shop)
        events = [await communicator.receive_json_from(timeout=5) for _ in range(3)]
        assert await communicator.receive_nothing(timeout=0.3)
        await communicator.disconnect()
        return events

    events = async_to_sync(scenario)()
    asked = Message.objects.get(sender_kind="buyer")
    answered = Message.objects.get(sender_kind="outside")
    assert answered.text == reply["content"]["text"]
    assert [e["type"] for e in events] == [
        "chat.message_created",
        "chat.message_created",
        "chat.conversation_updated",
    ]
    # Each event says what was stored, exactly as a pushed message's event would.
    assert [e["message"] for e in events[:2]] == [message_data(asked), message_data(answered)]
    conversation = Conversation.objects.get()
    assert events[2]["conversation"] == conversation_data(conversation)
    stored = list(LiveEvent.objects.order_by("id").values_list("id", "payload"))
    assert [e["event_id"] for e in events] == [pk for pk, _ in stored]
    assert [{**payload, "event_id": pk} for pk, payload in stored] == events  # replayable as sent


def _message(pk: str, at: datetime, text: str) -> types.Message:
    return types.Message(
        platform_message_id=pk,
        conversation_id="7300000000000000009",
        shop_id=SHOP_ID,
        sender=types.SenderRole.BUYER,
        sender_id="88000000000000009",
        recipient_id=SHOP_ID,
        kind=types.MessageKind.TEXT,
        sent_at=at,
        text=text,
    )


def test_each_new_message_is_announced_once_in_the_threads_order(shop):
    at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    early = _message("18446744073709551701", at, "early")
    late = _message("18446744073709551702", at + timedelta(seconds=5), "late")
    # A page listing the later message first, and one message twice.
    batch = ConversationBatch("7300000000000000009", "Minh", [late, early, late])
    assert messages_ingest_batch(shop=shop, batches=[batch]) == 2
    first = [e.payload for e in LiveEvent.objects.order_by("id")]
    assert [e["message"]["text"] for e in _created(first)] == ["early", "late"]
    assert [e["message"]["platform_message_id"] for e in _created(first)] == [
        "18446744073709551701",
        "18446744073709551702",
    ]
    LiveEvent.objects.all().delete()
    assert messages_ingest_batch(shop=shop, batches=[batch]) == 0  # pulled again
    assert _created(e.payload for e in LiveEvent.objects.all()) == []  # nothing new to show


def test_a_failed_write_stores_and_sends_none_of_its_events(shop):
    conversation = ConversationFactory(shop=shop)
    gone = Conversation.objects.get(pk=conversation.pk)
    Conversation.objects.filter(pk=conversation.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        write_and_publish(
            shop_id=shop.pk,
            writes=[save_fields_statement(gone, "status")],  # no row left to update
            events=[conversation_event(conversation=gone)],
        )
    assert LiveEvent.objects.count() == 0
