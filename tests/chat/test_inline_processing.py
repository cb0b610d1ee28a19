"""Processing pushes in the web process: admission within a CPU share, and the fallback to the
task queue when processing there fails."""

import pytest

from chat.models import BuyerOrder, InboundEvent
from chat.services import inbound
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
