"""Retries and read-backs are published to their own queue, through Celery and the real broker,
so that a backlog of first sends never holds them back."""

import json
import uuid

import pytest
from celery.exceptions import Retry
from django.conf import settings as django_settings
from redis import Redis

from chat.models import OutboundDelivery
from chat.tasks import outbound_delivery_send_task
from shopee_cs.celery import app
from shopee_cs.models import User
from tests.chat.test_outbox import _conversation, _queue


@pytest.fixture
def agent():
    return User.objects.create_user("agent", password="x")


class Broker:
    """Reads a queue's messages on the real broker as (task name, args). The broker's Redis may
    hold other messages (a running instance, a parallel test, earlier runs), told apart by
    their task ids."""

    def __init__(self, redis: Redis) -> None:
        self.redis = redis

    def _raw(self, queue: str) -> list[dict]:
        return [json.loads(item) for item in self.redis.lrange(queue, 0, -1)]

    def ids(self, queue: str) -> set[str]:
        return {m["headers"]["id"] for m in self._raw(queue)}

    def messages(self, queue: str, *, besides: set[str] = frozenset()) -> list[tuple[str, list]]:
        """The queue's messages, except those whose task ids are in `besides`."""
        return [
            (m["headers"]["task"], json.loads(_body(m))[0])
            for m in self._raw(queue)
            if m["headers"]["id"] not in besides
        ]


@pytest.fixture
def broker(monkeypatch, settings):
    """Tasks published for real (not run eagerly) to the broker, the retry queue under a name
    of this test's own."""
    redis = Redis.from_url(django_settings.CELERY_BROKER_URL)
    queue = settings.OUTBOX_RETRY_QUEUE = f"outbound_retry_test_{uuid.uuid4().hex}"
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    yield Broker(redis)
    redis.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


def _body(message: dict) -> str:
    import base64

    return base64.b64decode(message["body"]).decode()


def _run_as_worker(delivery_id: int) -> None:
    """The task's body as a worker runs it for a message it received (not called directly)."""
    outbound_delivery_send_task.push_request(
        id=f"task-{uuid.uuid4().hex}",
        called_directly=False,
        retries=0,
        args=[delivery_id],
        kwargs={},
    )
    try:
        outbound_delivery_send_task.run(delivery_id)
    finally:
        outbound_delivery_send_task.pop_request()


def test_a_retry_goes_to_the_retry_queue_not_behind_first_sends(
    simulator, shop, agent, broker, settings
):
    conversation = _conversation(simulator, shop)
    _, delivery = _queue(conversation, agent)
    simulator.sim.faults.script("sellerchat/send_message", [500])
    before = broker.ids("outbound")
    with pytest.raises(Retry):
        _run_as_worker(delivery.pk)
    retry = ("chat.outbound_delivery_send", [delivery.pk])
    assert retry not in broker.messages("outbound", besides=before)
    assert broker.messages(settings.OUTBOX_RETRY_QUEUE) == [retry]
    delivery.refresh_from_db()
    assert delivery.status == OutboundDelivery.Status.PENDING and delivery.attempts == 1


def test_a_read_back_goes_to_the_retry_queue(simulator, shop, agent, broker, settings):
    conversation = _conversation(simulator, shop)
    _, delivery = _queue(conversation, agent)
    simulator.sim.faults.script("sellerchat/send_message", ["drop"])
    before = broker.ids("outbound")
    _run_as_worker(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == OutboundDelivery.Status.UNKNOWN
    read_back = ("chat.outbound_delivery_resolve_unknown", [delivery.pk])
    assert read_back not in broker.messages("outbound", besides=before)
    assert broker.messages(settings.OUTBOX_RETRY_QUEUE) == [read_back]


def test_every_worker_command_consumes_the_retry_queue():
    """A worker that does not listen on the retry queue would leave retries to the sweep."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for name in ("Procfile", "compose.yaml"):
        text = (root / name).read_text()
        assert "webhooks_in,outbound,outbound_retry,default" in text, name
    assert django_settings.OUTBOX_RETRY_QUEUE == "outbound_retry"
