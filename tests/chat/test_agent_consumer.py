"""/ws/agent/: shop scoping, replay from LiveEvent rows, countdown, presence, event schemas."""

from typing import get_type_hints

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chat import consumers
from chat.events import (
    AgentPresenceEvent,
    ConversationData,
    ConversationUpdatedEvent,
    CountdownEntry,
    FirstResponseCountdownEvent,
    MessageCreatedEvent,
    MessageData,
    MessageStatusChangedEvent,
    ResyncRequiredEvent,
)
from chat.models import LiveEvent
from chat.services.inbox.conversations import conversation_resolve
from chat.services.publish import message_publish
from shopee_cs.asgi import application
from shopee_cs.security.services import user_access_revoke
from tests.factories import (
    AgentGroupFactory,
    ConversationFactory,
    MessageFactory,
    ShopFactory,
    UserFactory,
    login_verified,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _communicator(client, query=""):
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    headers = [
        (b"origin", b"http://127.0.0.1"),
        (b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()),
    ]
    communicator = WebsocketCommunicator(application, f"/ws/agent/{query}", headers=headers)
    communicator.scope["client"] = ("127.0.0.1", 50000)
    return communicator


@pytest.fixture
def world(client):
    agent, stranger = UserFactory(), UserFactory()
    own, foreign = ShopFactory(), ShopFactory()
    AgentGroupFactory(shops=[own], members=[agent])
    AgentGroupFactory(shops=[foreign], members=[stranger])
    login_verified(client, agent)
    return {"agent": agent, "own": own, "foreign": foreign, "stranger": stranger}


def _keys(typed_dict) -> set[str]:
    return set(get_type_hints(typed_dict))


def _assert_schema(event: dict, typed_dict) -> None:
    assert set(event) - {"event_id", "shop_id"} == _keys(typed_dict), event["type"]


async def _until(communicator, event_type: str) -> dict:
    for _ in range(20):
        event = await communicator.receive_json_from(timeout=5)
        if event["type"] == event_type:
            return event
    raise AssertionError(f"no {event_type}")


def test_reconnect_replays_missed_events_of_own_shops_only(client, world):
    own_conv = ConversationFactory(shop=world["own"])
    foreign_conv = ConversationFactory(shop=world["foreign"])
    created = "chat.message_created"
    message_publish(message=MessageFactory(conversation=own_conv), event_type=created)
    message_publish(
        message=MessageFactory(conversation=foreign_conv), event_type="chat.message_created"
    )
    conversation_resolve(conversation=own_conv, actor=world["agent"])
    first = LiveEvent.objects.order_by("id").first()

    async def scenario():
        communicator = _communicator(client, f"?last_event_id={first.pk - 1}")
        assert (await communicator.connect())[0]
        created = await communicator.receive_json_from(timeout=5)
        updated = await communicator.receive_json_from(timeout=5)
        countdown = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return created, updated, countdown

    created, updated, countdown = async_to_sync(scenario)()
    assert created["type"] == "chat.message_created" and created["event_id"] == first.pk
    assert created["message"]["shop_id"] == world["own"].pk
    assert updated["type"] == "chat.conversation_updated"
    assert updated["conversation"]["status"] == "resolved"
    assert countdown["type"] == "chat.first_response_countdown"


def test_live_events_arrive_with_event_id_and_other_groups_events_do_not(client, world):
    own_conv = ConversationFactory(shop=world["own"])
    foreign_conv = ConversationFactory(shop=world["foreign"])

    async def scenario():
        communicator = _communicator(client)
        assert (await communicator.connect())[0]
        await _until(communicator, "chat.agent_presence")  # our own presence comes last
        await sync_to_async(conversation_resolve)(
            conversation=foreign_conv, actor=world["stranger"]
        )
        await sync_to_async(conversation_resolve)(conversation=own_conv, actor=world["agent"])
        event = await communicator.receive_json_from(timeout=5)
        assert await communicator.receive_nothing(timeout=0.3)
        await communicator.disconnect()
        return event

    event = async_to_sync(scenario)()
    assert event["conversation"]["id"] == own_conv.pk
    assert event["event_id"] == LiveEvent.objects.filter(shop=world["own"]).get().pk


def test_events_of_one_transaction_arrive_live_in_order(client, world):
    conversation = ConversationFactory(shop=world["own"])
    messages = [MessageFactory(conversation=conversation) for _ in range(3)]

    def publish_together():
        with transaction.atomic():  # one layer message (a batch) for the shop group
            for message in messages:
                message_publish(message=message, event_type="chat.message_created")
            conversation_resolve(conversation=conversation, actor=world["agent"])

    async def scenario():
        communicator = _communicator(client)
        assert (await communicator.connect())[0]
        await _until(communicator, "chat.agent_presence")
        await sync_to_async(publish_together)()
        events = [await communicator.receive_json_from(timeout=5) for _ in range(4)]
        await communicator.disconnect()
        return events

    events = async_to_sync(scenario)()
    assert [e["type"] for e in events] == ["chat.message_created"] * 3 + [
        "chat.conversation_updated"
    ]
    assert [e["message"]["id"] for e in events[:3]] == [m.pk for m in messages]
    ids = [e["event_id"] for e in events]
    assert (
        ids
        == sorted(ids)
        == list(
            LiveEvent.objects.filter(shop=world["own"]).order_by("id").values_list("id", flat=True)
        )
    )


def test_too_many_missed_events_ask_for_a_resync(client, world, monkeypatch):
    monkeypatch.setattr(consumers, "REPLAY_LIMIT", 2)
    conversation = ConversationFactory(shop=world["own"])
    for _ in range(3):
        message_publish(message=MessageFactory(conversation=conversation), event_type="chat.x")

    async def scenario():
        communicator = _communicator(client, "?last_event_id=0")
        assert (await communicator.connect())[0]
        event = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return event

    event = async_to_sync(scenario)()
    _assert_schema(event, ResyncRequiredEvent)
    assert event["last_event_id"] == LiveEvent.objects.order_by("-id").first().pk


def test_resuming_from_before_the_oldest_kept_event_asks_for_a_resync(client, world):
    from chat.services.pipeline.housekeeping import old_events_purge

    conversation = ConversationFactory(shop=world["own"])
    for _ in range(3):
        message_publish(message=MessageFactory(conversation=conversation), event_type="chat.x")
    first, second, third = LiveEvent.objects.order_by("id").values_list("id", flat=True)
    LiveEvent.objects.filter(pk__in=[first, second]).update(
        created_at=timezone.now() - timezone.timedelta(days=30)
    )
    assert old_events_purge()["live_events"] == 2

    async def resume(after):
        communicator = _communicator(client, f"?last_event_id={after}")
        assert (await communicator.connect())[0]
        event = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return event

    # The client saw only the first: the second is gone, so it must reload, not miss it.
    assert async_to_sync(resume)(first)["type"] == "chat.resync_required"
    # A client that saw the second misses nothing: the third is replayed.
    assert async_to_sync(resume)(second)["event_id"] == third


def test_countdown_snapshot_lists_running_clocks_of_own_shops(client, world):
    since = timezone.now()
    waiting = ConversationFactory(shop=world["own"], awaiting_reply_since=since)
    ConversationFactory(shop=world["foreign"], awaiting_reply_since=since)
    ConversationFactory(shop=world["own"])

    async def scenario():
        communicator = _communicator(client)
        assert (await communicator.connect())[0]
        event = await _until(communicator, "chat.first_response_countdown")
        await communicator.disconnect()
        return event

    event = async_to_sync(scenario)()
    _assert_schema(event, FirstResponseCountdownEvent)
    assert event["target_seconds"] == settings.FIRST_RESPONSE_TARGET_SECONDS
    [entry] = event["conversations"]
    assert set(entry) == _keys(CountdownEntry) and entry["conversation_id"] == waiting.pk


def test_presence_goes_online_then_offline_to_colleagues(client, world):
    colleague = UserFactory()
    AgentGroupFactory(shops=[world["own"]], members=[colleague])
    from django.test import Client

    other = Client()
    login_verified(other, colleague)

    async def scenario():
        watcher = _communicator(other)
        assert (await watcher.connect())[0]
        await _until(watcher, "chat.agent_presence")  # the watcher's own
        agent_socket = _communicator(client)
        assert (await agent_socket.connect())[0]
        online = await _until(watcher, "chat.agent_presence")
        await agent_socket.disconnect()
        offline = await _until(watcher, "chat.agent_presence")
        await watcher.disconnect()
        return online, offline

    online, offline = async_to_sync(scenario)()
    _assert_schema(online, AgentPresenceEvent)
    assert (online["user_id"], online["online"]) == (world["agent"].pk, True)
    assert (offline["user_id"], offline["online"]) == (world["agent"].pk, False)


def test_what_a_client_sends_is_ignored_and_events_still_arrive(client, world):
    own = ConversationFactory(shop=world["own"])

    async def scenario():
        communicator = _communicator(client)
        assert (await communicator.connect())[0]
        await _until(communicator, "chat.agent_presence")
        await communicator.send_json_to({"type": "subscribe", "conversation_id": own.pk})
        await communicator.send_to(text_data="not json")
        quiet = await communicator.receive_nothing(timeout=0.3)
        await sync_to_async(conversation_resolve)(conversation=own, actor=world["agent"])
        event = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return quiet, event

    quiet, event = async_to_sync(scenario)()
    assert quiet  # no answer: there is nothing to subscribe to
    assert (event["type"], event["conversation"]["id"]) == ("chat.conversation_updated", own.pk)


def test_revoked_access_closes_the_agent_socket(client, world):
    async def scenario():
        communicator = _communicator(client)
        assert (await communicator.connect())[0]
        await _until(communicator, "chat.agent_presence")
        await sync_to_async(user_access_revoke)(user_id=world["agent"].pk, reason="test")
        closed = await communicator.receive_output(timeout=5)
        await communicator.wait()
        return closed

    assert async_to_sync(scenario)() == {"type": "websocket.close", "code": 4401}


def test_message_and_conversation_events_match_their_schemas(world):
    conversation = ConversationFactory(shop=world["own"], awaiting_reply_since=timezone.now())
    message = MessageFactory(conversation=conversation)
    message_publish(message=message, event_type="chat.message_created")
    message_publish(message=message, event_type="chat.message_status_changed")
    conversation_resolve(conversation=conversation, actor=world["agent"])
    created, changed, updated = (e.payload for e in LiveEvent.objects.order_by("id"))
    for event, schema in ((created, MessageCreatedEvent), (changed, MessageStatusChangedEvent)):
        _assert_schema(event, schema)
        assert set(event["message"]) == _keys(MessageData)
    _assert_schema(updated, ConversationUpdatedEvent)
    assert set(updated["conversation"]) == _keys(ConversationData)
    assert updated["conversation"]["first_response_due_at"] is None  # resolved stops the clock
