"""Messages stored by pull-sync (reconciliation, a notification's fetch) are announced like
pushed ones: chat.message_created for each new message, so an open thread shows them live."""

from datetime import UTC, datetime, timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import DatabaseError, transaction

from chat.events import conversation_data, message_data
from chat.models import Conversation, LiveEvent, Message
from chat.services.pipeline.bulk_ingest import ConversationBatch, messages_ingest_batch
from chat.services.pipeline.reconcile import shop_reconcile
from chat.services.publish import conversation_event, write_and_publish
from integrations import types
from integrations.shopee.simulator import buyer_message
from integrations.shopee.simulator.traffic import seller_centre_reply
from shopee_cs.db import save_fields_statement
from tests.chat.conftest import SHOP_ID, signed_post, take_pushes
from tests.chat.test_agent_consumer import _communicator, _until
from tests.factories import AgentGroupFactory, ConversationFactory, UserFactory, login_verified

pytestmark = pytest.mark.django_db(transaction=True)


def _created(events) -> list[dict]:
    return [e for e in events if e["type"] == "chat.message_created"]


@pytest.fixture
def chat_events_only():
    """Chat's own events: the layers above (automation classifies and answers new buyer
    messages) stay out of this exact sequence."""
    from chat.signals import message_received

    receivers = message_received.receivers[:]
    message_received.receivers.clear()
    message_received.sender_receivers_cache.clear()
    yield
    message_received.receivers[:] = receivers
    message_received.sender_receivers_cache.clear()


def test_a_reconciled_reply_reaches_the_open_socket_as_a_new_message(
    client, settings, simulator, shop, chat_events_only
):
    agent = UserFactory()
    AgentGroupFactory(shops=[shop], members=[agent])
    sim = simulator.sim
    buyer_message(sim, shop_id=SHOP_ID, buyer_id=7401, text="Hello?")
    [pushed] = take_pushes(sim)
    assert signed_post(client, settings, pushed).status_code == 200  # the thread an agent opens
    sim.advance_clock(10)
    buyer_message(sim, shop_id=SHOP_ID, buyer_id=7401, text="Can I change the size?")
    take_pushes(sim)  # this push is lost
    sim.advance_clock(10)
    reply = seller_centre_reply(sim, shop_id=SHOP_ID)  # never pushed
    login_verified(client, agent)
    before = LiveEvent.objects.order_by("id").last().pk

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
    asked = Message.objects.get(text="Can I change the size?")
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
    stored = list(
        LiveEvent.objects.filter(pk__gt=before).order_by("id").values_list("id", "payload")
    )
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


def _pulled(shop, *messages: types.Message) -> list[dict]:
    """Store `messages` as one pulled page; the events it stored."""
    before = LiveEvent.objects.order_by("id").values_list("pk", flat=True).last() or 0
    messages_ingest_batch(
        shop=shop, batches=[ConversationBatch("7300000000000000009", "Minh", list(messages))]
    )
    return [e.payload for e in LiveEvent.objects.filter(pk__gt=before).order_by("id")]


def test_each_new_message_is_announced_once_in_the_threads_order(shop):
    at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    first = _message("18446744073709551700", at, "hello")
    # A conversation the page creates is in no one's console yet: its update says it all.
    events = _pulled(shop, first)
    assert [e["type"] for e in events] == ["chat.conversation_updated"]
    assert events[0]["conversation"]["last_message_preview"] == "hello"
    early = _message("18446744073709551701", at + timedelta(seconds=5), "early")
    late = _message("18446744073709551702", at + timedelta(seconds=9), "late")
    # A page listing the later message first, one message twice, and one stored before.
    events = _pulled(shop, late, early, late, first)
    assert [e["type"] for e in events] == [
        "chat.message_created",
        "chat.message_created",
        "chat.conversation_updated",
    ]
    stored = Message.objects.filter(text__in=["early", "late"]).order_by("platform_created_at")
    assert [e["message"] for e in _created(events)] == [message_data(m) for m in stored]
    assert _created(_pulled(shop, early, late)) == []  # pulled again: nothing new to show


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
