"""Fault tests, counted at the simulator: 0 lost and 0 duplicates after each fault."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from chat.models import InboundEvent, Message, OutboundDelivery
from chat.services.messages import message_ingest
from chat.services.pipeline import outbox
from chat.services.pipeline.inbound import inbound_event_process, inbound_events_pending_ids
from chat.services.pipeline.outbox import (
    message_send_reply,
    outbound_deliveries_sweep,
    outbound_delivery_resolve_unknown,
    outbound_delivery_send,
)
from chat.services.pipeline.reconcile import lost_pushes_drain
from integrations.shopee.mapping import message_from_shopee
from integrations.shopee.simulator import buyer_message
from shopee_cs.models import User
from tests.chat.conftest import SHOP_ID, connect, signed_post, take_pushes

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def lost_dispatch(monkeypatch):
    """A broker that loses every task message (flushed, or down at commit time)."""
    lost: list[int] = []
    monkeypatch.setattr(
        outbox, "_enqueue", lambda delivery_id, countdown=None: lost.append(delivery_id)
    )
    return lost


def _conversation(sim, shop, buyer_id=4242):
    raw = buyer_message(sim, shop_id=SHOP_ID, buyer_id=buyer_id, text=f"hello from {buyer_id}")
    with sim.lock:
        public = sim.public_message(raw)
    message, _ = message_ingest(shop=shop, message=message_from_shopee(public, shop_id=SHOP_ID))
    return message.conversation


def _sent_at_simulator(sim) -> int:
    return sim.snapshot_stats()["messages_sent_by_seller"]


def _kill_mid_send(simulator, delivery_id: int, attempt_token: str) -> None:
    """Run a delivery in another process and SIGKILL it once the platform has the message."""
    # The platform accepts the message, then answers slowly: the worker dies while waiting.
    simulator.sim.faults.configure(timeout_seconds=30)
    simulator.sim.faults.script("sellerchat/send_message", ["timeout"])
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shopee_cs.settings.test",
        "DATABASE_URL": _database_url(),
    }
    code = (
        "import django; django.setup();"
        "from django.conf import settings;"
        f"settings.SHOPEE_HOST = {simulator.base_url!r};"
        "from chat.services.pipeline.outbox import outbound_delivery_send;"
        f"outbound_delivery_send(delivery_id={delivery_id}, attempt_token={attempt_token!r})"
    )
    worker = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env)
    try:
        _wait_for(lambda: _sent_at_simulator(simulator.sim) == 1, "the send to reach the platform")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    status = OutboundDelivery.objects.get(pk=delivery_id).status
    assert status == OutboundDelivery.Status.SENDING  # left behind by the dead worker


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_is_swept_and_sent_once(simulator, settings, lost_dispatch):
    shop = connect(simulator.sim)
    agent = User.objects.create_user("agent")
    conversation = _conversation(simulator.sim, shop)
    message, _ = message_send_reply(conversation=conversation, user=agent, text="on its way")
    _kill_mid_send(simulator, message.delivery.pk, attempt_token="")
    settings.OUTBOX_STALE_SENDING_SECONDS = 0
    due = outbound_deliveries_sweep()
    assert due["unknown"] == [message.delivery.pk]
    outbound_delivery_resolve_unknown(delivery_id=message.delivery.pk)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert _sent_at_simulator(simulator.sim) == 1


@pytest.mark.django_db(transaction=True)
def test_a_redelivered_task_of_a_killed_worker_reads_back_instead_of_resending(
    simulator, lost_dispatch
):
    shop = connect(simulator.sim)
    agent = User.objects.create_user("agent")
    conversation = _conversation(simulator.sim, shop)
    message, _ = message_send_reply(conversation=conversation, user=agent, text="on its way")
    _kill_mid_send(simulator, message.delivery.pk, attempt_token="task-7")
    # The broker redelivers the same task message (acks_late + reject_on_worker_lost).
    outcome = outbound_delivery_send(delivery_id=message.delivery.pk, attempt_token="task-7")
    assert outcome.delivery.status == OutboundDelivery.Status.UNKNOWN
    assert outbound_delivery_send(delivery_id=message.delivery.pk, attempt_token="other") is None
    outbound_delivery_resolve_unknown(delivery_id=message.delivery.pk)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert _sent_at_simulator(simulator.sim) == 1


@pytest.mark.django_db
def test_sends_queued_when_the_broker_was_flushed_are_delivered_once(
    simulator, lost_dispatch, settings
):
    shop = connect(simulator.sim)
    agent = User.objects.create_user("agent")
    messages = []
    for n in range(5):
        conversation = _conversation(simulator.sim, shop, buyer_id=7000 + n)
        messages.append(
            message_send_reply(conversation=conversation, user=agent, text=f"hi {n}")[0]
        )
    assert len(lost_dispatch) == 5  # every task message is gone
    settings.OUTBOX_SWEEP_GRACE_SECONDS = 0
    for delivery_id in outbound_deliveries_sweep()["pending"]:
        outbound_delivery_send(delivery_id=delivery_id)
    assert outbound_deliveries_sweep() == {"pending": [], "unknown": []}
    assert all(m.status == Message.Status.SENT for m in Message.objects.filter(direction="out"))
    assert _sent_at_simulator(simulator.sim) == 5


@pytest.mark.django_db
def test_postgres_unavailable_during_a_push_burst_answers_503_then_recovers(
    client, settings, simulator, django_capture_on_commit_callbacks
):
    shop = connect(simulator.sim)
    for n in range(6):
        buyer_message(simulator.sim, shop_id=SHOP_ID, buyer_id=8000 + n, text=f"burst {n}")
    # Shopee keeps every push it could not deliver for get_lost_push_message.
    bodies = take_pushes(simulator.sim, keep=True)
    blocker = psycopg.connect(_database_url(), autocommit=False)
    try:
        # Another session holds the table: every insert times out as in an outage.
        blocker.execute("LOCK TABLE chat_inboundevent IN ACCESS EXCLUSIVE MODE")
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        statuses = [signed_post(client, settings, body).status_code for body in bodies]
    finally:
        blocker.rollback()
        blocker.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert statuses == [503] * 6
    assert not InboundEvent.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert lost_pushes_drain(platform="shopee") == 6
    assert Message.objects.filter(shop=shop).count() == 6
    assert InboundEvent.objects.filter(status="processed").count() == 6
    assert simulator.sim.snapshot_stats()["lost_push_pending"] == 0


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_pushes_are_still_stored(client, settings, simulator):
    from shopee_cs.celery import app

    connect(simulator.sim)
    buyer_message(simulator.sim, shop_id=SHOP_ID, text="is anyone there?")
    [body] = take_pushes(simulator.sim)
    dead = "redis://127.0.0.1:1/0"
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [dead]},
        }
    }
    previous = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager, app.conf.broker_url = False, dead
    try:
        response = signed_post(client, settings, body)  # commits: on-commit hooks really run
    finally:
        app.conf.task_always_eager, app.conf.broker_url = previous
    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert event.status == InboundEvent.Status.PENDING  # stored; the sweep enqueues it later
    assert event.pk in inbound_events_pending_ids(older_than_seconds=-60)
    inbound_event_process(event_id=event.pk)  # its live events cannot go out: logged, not raised
    assert Message.objects.filter(text="is anyone there?").exists()


def _database_url() -> str:
    s = connection.settings_dict
    host = s["HOST"] or s.get("OPTIONS", {}).get("host", "")
    if host.startswith("/"):
        return f"postgres://{s['USER']}@/{s['NAME']}?host={host}"
    return f"postgres://{s['USER']}@{host}:{s['PORT'] or 5432}/{s['NAME']}"


def _wait_for(predicate, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_with_redis_down_agents_sign_in_work_and_replies_wait_in_the_outbox(
    client, settings, simulator
):
    """Sessions, the IP allowlist and API throttles use Redis; without it they fall back to the
    database (or let the request through), so an agent keeps working and nothing is lost."""
    from django_otp.oath import totp

    from shopee_cs.celery import app
    from shopee_cs.models import AuditEvent, IPAllowlistEntry
    from tests.factories import PASSWORD, AgentGroupFactory, TOTPDeviceFactory, UserFactory

    shop = connect(simulator.sim)
    sim_message = buyer_message(simulator.sim, shop_id=SHOP_ID, text="where is my parcel?")
    with simulator.sim.lock:
        public = simulator.sim.public_message(sim_message)
    message_ingest(shop=shop, message=message_from_shopee(public, shop_id=SHOP_ID))
    agent = UserFactory()
    AgentGroupFactory(shops=[shop], members=[agent])
    device = TOTPDeviceFactory(user=agent)
    settings.IP_ALLOWLIST_ENFORCED = True
    IPAllowlistEntry.objects.create(cidr="127.0.0.1/32", scope="global")

    dead = "redis://127.0.0.1:1/0"
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": dead}}
    previous = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager, app.conf.broker_url = False, dead
    try:
        login = client.post("/accounts/login/", {"username": agent.username, "password": PASSWORD})
        assert login.status_code == 302 and "/accounts/2fa/verify/" in login["Location"]
        code = f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"
        verified = client.post("/accounts/2fa/verify/?next=/console/", {"code": code})
        assert verified.status_code == 302 and verified["Location"] == "/console/"
        assert client.get("/console/").status_code == 200
        page = client.get("/api/v1/conversations/").json()
        [row] = page["results"]
        reply = client.post(
            f"/api/v1/conversations/{row['id']}/messages/",
            {"text": "It ships today."},
            content_type="application/json",
        )
        assert reply.status_code == 201 and reply.json()["status"] == "queued"
        # Outside the allowlist is still refused: the table is read instead of the cache.
        outside = client.get("/console/", REMOTE_ADDR="203.0.113.9")
        assert outside.status_code == 403
        assert AuditEvent.objects.filter(action="allowlist.refused").count() == 1
        assert client.post("/accounts/logout/").status_code == 302
        assert client.get("/console/").status_code == 302
    finally:
        app.conf.task_always_eager, app.conf.broker_url = previous

    delivery = OutboundDelivery.objects.get()
    assert delivery.status == OutboundDelivery.Status.PENDING  # kept; the sweep sends it later
    settings.OUTBOX_SWEEP_GRACE_SECONDS = -60
    for delivery_id in outbound_deliveries_sweep()["pending"]:
        outbound_delivery_send(delivery_id=delivery_id)
    buyer = Message.objects.get(text="where is my parcel?").conversation.buyer_platform_id
    assert simulator.sim.snapshot_stats()["seller_messages_per_buyer"] == {buyer: 1}
    assert OutboundDelivery.objects.get().status == OutboundDelivery.Status.SENT
