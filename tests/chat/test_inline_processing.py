"""Processing pushes in the web process: admission within a CPU share, and the fallback to the
task queue when processing there fails."""

from concurrent.futures import Future

import pytest

from chat.models import BuyerOrder, InboundEvent
from chat.services.pipeline import inbound
from chat.webhooks_asgi import InlineProcessing
from integrations.shopee.simulator import place_order
from tests.chat.conftest import SHOP_ID, take_pushes


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_few_pushes_wait_and_only_within_the_cpu_share(settings, monkeypatch):
    clock = _Clock()
    monkeypatch.setattr("chat.webhooks_asgi.time.monotonic", clock)
    settings.PUSH_INLINE_CPU_SHARE = 0.25
    inline = InlineProcessing()
    assert all(inline.reserve() for _ in range(InlineProcessing.MAX_WAITING))
    assert inline.reserve() is False  # enough are waiting: this one goes to the task queue
    inline.start(None)  # a duplicate or parked push: nothing to process, its place is freed
    assert inline.reserve() is True
    inline.waiting, inline.used = 0, 0.24
    assert inline.reserve() is True
    inline.waiting, inline.used = 0, 0.25  # the share of this second is spent
    assert inline.reserve() is False
    clock.now += 1.0  # a new second
    assert inline.reserve() is True
    settings.PUSH_INLINE_CPU_SHARE = 0.0
    clock.now += 1.0
    assert inline.reserve() is False


def test_wall_time_counts_and_nothing_queues_behind_a_stalled_push(settings, monkeypatch):
    clock = _Clock()
    monkeypatch.setattr("chat.webhooks_asgi.time.monotonic", clock)
    settings.PUSH_INLINE_CPU_SHARE = 0.25
    inline = InlineProcessing()
    admitted_while_running = []

    def waits(seconds):
        def process(request_id, function, **kwargs):  # waiting (a lock, the database): no CPU
            admitted_while_running.append(inline.reserve())
            clock.now += seconds
            admitted_while_running.append(inline.reserve())

        return process

    def run(seconds) -> tuple[float, float]:
        monkeypatch.setattr("chat.webhooks_asgi._in_request", waits(seconds))
        assert inline.reserve() is True
        done = Future()
        done.set_result(inline._process("request", 1))
        inline._done(done)
        return done.result()

    cpu, wall = run(InlineProcessing.STALLED_AFTER + 0.1)
    assert wall == pytest.approx(InlineProcessing.STALLED_AFTER + 0.1)
    assert cpu < settings.PUSH_INLINE_CPU_SHARE  # the CPU share alone would admit more
    # Behind a push running for a moment, others may wait; not behind one that has stalled.
    assert admitted_while_running == [True, False]
    assert inline.reserve() is True  # it ended: the thread is free again
    inline.waiting = 0
    run(InlineProcessing.BUSY_LIMIT - inline.busy + 0.01)  # the same second, busy nearly all
    assert inline.reserve() is False
    clock.now += 1.0  # a new second
    assert inline.reserve() is True


@pytest.mark.django_db
def test_only_a_push_carrying_its_message_is_left_to_the_web_process(
    simulator, shop, django_capture_on_commit_callbacks
):
    from integrations.shopee.simulator import buyer_message

    place_order(simulator.sim, shop_id=SHOP_ID)
    buyer_message(simulator.sim, shop_id=SHOP_ID, text="here?")
    order_body, message_body = take_pushes(simulator.sim)
    with django_capture_on_commit_callbacks() as queued:
        order, _ = inbound.inbound_event_record(
            platform="shopee", raw_body=order_body, enqueue=False
        )
    assert len(queued) == 1  # the order must be fetched: a worker does it
    assert inbound.inbound_event_processable_here(order) is False
    with django_capture_on_commit_callbacks() as queued:
        message, _ = inbound.inbound_event_record(
            platform="shopee", raw_body=message_body, enqueue=False
        )
    assert queued == []  # the caller processes it
    assert inbound.inbound_event_processable_here(message) is True


@pytest.mark.django_db
def test_a_failure_in_the_web_process_leaves_the_push_pending_and_queues_it(
    simulator, shop, django_capture_on_commit_callbacks
):
    place_order(simulator.sim, shop_id=SHOP_ID)
    [body, *_] = take_pushes(simulator.sim)
    event, created = inbound.inbound_event_record(platform="shopee", raw_body=body, enqueue=False)
    assert created
    simulator.sim.faults.script("order/get_order_detail", [500] * 20)
    with django_capture_on_commit_callbacks() as queued:
        inbound.inbound_event_process_here(event_id=event.pk)
    event.refresh_from_db()
    assert (event.status, event.attempts) == (InboundEvent.Status.PENDING, 1)
    assert not BuyerOrder.objects.exists()
    assert len(queued) == 1  # the task that takes over, with its retries and backoff


@pytest.mark.django_db
def test_a_push_whose_web_process_died_before_processing_it_is_swept_and_processed(
    simulator, shop, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from chat.models import Message
    from integrations.shopee.simulator import buyer_message

    buyer_message(simulator.sim, shop_id=SHOP_ID, text="still there?")
    [body] = take_pushes(simulator.sim)
    # Stored for processing in the web process, which then died: nothing queued, nothing done.
    event, _ = inbound.inbound_event_record(platform="shopee", raw_body=body, enqueue=False)
    assert inbound_events_swept_now() == 0  # a push younger than a minute is left alone
    InboundEvent.objects.filter(pk=event.pk).update(
        received_at=timezone.now() - timedelta(minutes=2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert inbound_events_swept_now() == 1
    event.refresh_from_db()
    assert event.status == InboundEvent.Status.PROCESSED
    assert Message.objects.get().text == "still there?"


def inbound_events_swept_now() -> int:
    """The beat's sweep, run here: how many pending pushes it enqueued (run eagerly)."""
    from chat.tasks import inbound_events_sweep_task

    return inbound_events_sweep_task()
