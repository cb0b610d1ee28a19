"""A slow marketplace call holds no lock and no database connection, and buyers' messages pushed
meanwhile reach the agents' sockets (the simulator holds the calls on loopback)."""

import asyncio
import json
import threading

import psycopg
import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import HttpCommunicator, WebsocketCommunicator
from django.conf import settings
from django.db import connection

from chat.models import BuyerOrder, Conversation, InboundEvent, Message
from chat.services.pipeline import inbound
from chat.tasks import inbound_event_process_task
from integrations.shopee.push import push_signature
from integrations.shopee.simulator import buyer_message, place_order
from shopee_cs.asgi import application
from tests.chat.conftest import SHOP_ID, take_pushes
from tests.factories import AgentGroupFactory, UserFactory, login_verified

pytestmark = pytest.mark.django_db(transaction=True)  # workers and pushes use other threads

SLOW = 10  # seconds the marketplace holds each delayed call
ORDER_DETAIL = "/api/v2/order/get_order_detail"
GET_MESSAGE = "/api/v2/sellerchat/get_message"


def _database_url() -> str:
    s = connection.settings_dict
    host = s["HOST"] or s.get("OPTIONS", {}).get("host", "")
    return f"postgres://{s['USER']}@{host}:{s['PORT'] or 5432}/{s['NAME']}"


def _notification_push(conversation_id: str) -> bytes:
    """A chat push announcing activity in a conversation without the message itself."""
    data = {"type": "notification", "content": {"conversation_id": int(conversation_id)}}
    push = {"code": 10, "shop_id": int(SHOP_ID), "timestamp": 1_790_000_000, "data": data}
    return json.dumps(push).encode()


async def _post(body: bytes) -> dict:
    signature = push_signature(settings.SHOPEE_PUSH_CALLBACK_URL, settings.SHOPEE_PARTNER_KEY, body)
    headers = [(b"content-type", b"application/json"), (b"authorization", signature.encode())]
    response = await HttpCommunicator(
        application, "POST", "/webhooks/shopee/", body, headers
    ).get_response()
    assert (response["status"], response["body"]) == (200, b"")
    return response


async def _until(communicator, event_type: str) -> dict:
    for _ in range(50):
        event = await communicator.receive_json_from(timeout=5)
        if event["type"] == event_type:
            return event
    raise AssertionError(f"no {event_type}")


class _Worker(threading.Thread):
    """A Celery worker's task run, on its own thread and database connection."""

    def __init__(self, task, *args, **kwargs) -> None:
        super().__init__(daemon=True)
        self.call = (task, args, kwargs)
        self.backend_pid: int | None = None
        self.error: BaseException | None = None

    def run(self) -> None:
        task, args, kwargs = self.call
        try:
            connection.ensure_connection()
            self.backend_pid = connection.connection.info.backend_pid
            task(*args, **kwargs)
        except BaseException as exc:
            self.error = exc
        finally:
            connection.close()


def _held_while_blocked(event_ids: list[int], conversation_id: int, pids: list[int]) -> dict:
    """What the database shows from another connection while the workers wait."""
    with psycopg.connect(_database_url(), autocommit=True) as other:
        idle_in_transaction = other.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND state LIKE 'idle in transaction%%'"
        ).fetchone()[0]
        worker_sessions = other.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [pids]
        ).fetchone()[0]
        table_locks = other.execute(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
            " WHERE c.relname IN ('chat_inboundevent', 'chat_conversation')"
            " AND l.pid <> pg_backend_pid()"
        ).fetchone()[0]
        with other.transaction():  # NOWAIT: a row lock held anywhere fails at once
            locked_events = other.execute(
                "SELECT id FROM chat_inboundevent WHERE id = ANY(%s) FOR UPDATE NOWAIT",
                [event_ids],
            ).fetchall()
            locked_conversation = other.execute(
                "SELECT id FROM chat_conversation WHERE id = %s FOR UPDATE NOWAIT",
                [conversation_id],
            ).fetchall()
    return {
        "idle in transaction": idle_in_transaction,
        "worker sessions": worker_sessions,
        "locks on the tables": table_locks,
        "rows lockable": len(locked_events) + len(locked_conversation),
    }


def test_a_slow_marketplace_holds_nothing_and_buyer_messages_pass_it(
    client, settings, simulator, shop, monkeypatch
):
    from shopee_cs.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", False)
    queued: list[int] = []  # the broker: what went to the workers
    monkeypatch.setattr(inbound, "_enqueue", queued.append)
    settings.PUSH_INLINE_CPU_SHARE = 1.0
    agent = UserFactory()
    AgentGroupFactory(shops=[shop], members=[agent])
    login_verified(client, agent)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    sim = simulator.sim
    buyer_message(sim, shop_id=SHOP_ID, buyer_id=4242, text="first question")
    place_order(sim, shop_id=SHOP_ID)
    first_push, order_push = take_pushes(sim)
    sim.faults.configure(delays={ORDER_DETAIL: SLOW, GET_MESSAGE: SLOW})

    async def scenario():
        socket = WebsocketCommunicator(
            application,
            "/ws/agent/",
            headers=[
                (b"origin", b"http://127.0.0.1"),
                (b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()),
            ],
        )
        socket.scope["client"] = ("127.0.0.1", 50000)
        assert (await socket.connect())[0]
        await _until(socket, "chat.agent_presence")
        await _post(first_push)  # carries the message: processed in the web process
        await _until(socket, "chat.message_created")
        conversation = await sync_to_async(Conversation.objects.get)()
        await _post(order_push)  # announces an order: to the workers
        await _post(_notification_push(conversation.platform_conversation_id))
        workers[:] = [_Worker(inbound_event_process_task, event_id) for event_id in queued]
        for worker in workers:
            worker.start()
        while sim.calls[ORDER_DETAIL] < 1 or sim.calls[GET_MESSAGE] < 1:
            assert all(w.is_alive() for w in workers), [w.error for w in workers]
            await asyncio.sleep(0.02)
        # Both workers now wait on the marketplace.
        held = await sync_to_async(_held_while_blocked)(
            queued, conversation.pk, [w.backend_pid for w in workers]
        )
        buyer_message(sim, shop_id=SHOP_ID, buyer_id=4242, text="still there?")
        [meanwhile] = take_pushes(sim)
        await _post(meanwhile)
        event = await _until(socket, "chat.message_created")
        still_blocked = all(w.is_alive() for w in workers)
        await socket.disconnect()
        return held, event, still_blocked

    workers: list[_Worker] = []
    try:
        held, event, still_blocked = async_to_sync(scenario)()
    finally:  # the workers end before the database is flushed
        for worker in workers:
            worker.join(timeout=SLOW * 3)
    assert held == {
        "idle in transaction": 0,
        "worker sessions": 0,  # each worker handed its connection back before the call
        "locks on the tables": 0,
        "rows lockable": 3,  # both events and the conversation
    }
    assert event["message"]["text"] == "still there?"
    assert still_blocked  # it arrived while both calls were still held
    assert [(w.error, w.is_alive()) for w in workers] == [(None, False)] * 2
    events = InboundEvent.objects.order_by("pk")
    assert [(e.status, e.attempts) for e in events] == [("processed", 1)] * 4
    assert len(queued) == 2  # only the order and the notification went to the workers
    assert BuyerOrder.objects.count() == 1
    texts = list(Message.objects.order_by("platform_created_at").values_list("text", flat=True))
    assert texts == ["first question", "still there?"]  # the fetch stored nothing twice


def test_a_slow_send_holds_no_connection_and_no_lock(simulator, shop, monkeypatch):
    from chat.services.messages import message_ingest
    from chat.services.pipeline import outbox
    from integrations.shopee.mapping import message_from_shopee
    from shopee_cs.models import User

    send_path = "/api/v2/sellerchat/send_message"
    monkeypatch.setattr(outbox, "_enqueue", lambda delivery_id, countdown=None: None)
    sim = simulator.sim
    raw = buyer_message(sim, shop_id=SHOP_ID, buyer_id=4242, text="where is it?")
    with sim.lock:
        public = sim.public_message(raw)
    asked, _ = message_ingest(shop=shop, message=message_from_shopee(public, shop_id=SHOP_ID))
    reply, _ = outbox.message_send_reply(
        conversation=asked.conversation, user=User.objects.create_user("agent"), text="shipped"
    )
    sim.faults.configure(delays={send_path: 2})  # within the send's 5 s read timeout
    sender = _Worker(outbox.outbound_delivery_send, delivery_id=reply.delivery.pk)
    sender.start()
    try:
        while sim.calls[send_path] < 1:
            assert sender.is_alive(), sender.error
            sender.join(timeout=0.02)
        held = _held_while_blocked([], asked.conversation_id, [sender.backend_pid])
    finally:
        sender.join(timeout=30)
    assert sender.error is None
    assert held == {
        "idle in transaction": 0,
        "worker sessions": 0,
        "locks on the tables": 0,
        "rows lockable": 1,  # the conversation
    }
    reply.refresh_from_db()
    assert reply.status == Message.Status.SENT
