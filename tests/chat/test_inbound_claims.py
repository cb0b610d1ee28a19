"""Pushes that announce something are claimed, fetched with nothing held, then stored once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from chat.models import BuyerOrder, InboundEvent
from chat.services.pipeline import inbound
from integrations.shopee.simulator import place_order
from tests.chat.conftest import SHOP_ID, connect, take_pushes

ORDER_DETAIL = "/api/v2/order/get_order_detail"


def _order_event(sim, django_capture_on_commit_callbacks) -> tuple[InboundEvent, dict]:
    order = place_order(sim, shop_id=SHOP_ID)
    [body, *_] = take_pushes(sim)
    with django_capture_on_commit_callbacks(execute=False):  # processed by hand below
        event, created = inbound.inbound_event_record(platform="shopee", raw_body=body)
    assert created
    return event, order


@pytest.mark.django_db
def test_an_event_claimed_by_a_run_asking_the_marketplace_is_left_to_it(
    simulator, shop, django_capture_on_commit_callbacks
):
    event, order = _order_event(simulator.sim, django_capture_on_commit_callbacks)
    claim = timezone.now() + timedelta(minutes=5)  # as a run waiting on the marketplace has it
    InboundEvent.objects.filter(pk=event.pk).update(claimed_until=claim)
    assert inbound.inbound_event_process(event_id=event.pk) is None
    assert inbound.inbound_events_pending_ids(older_than_seconds=0) == []  # not swept either
    event.refresh_from_db()
    assert (event.status, event.attempts, event.claimed_until) == ("pending", 0, claim)
    assert simulator.sim.calls[ORDER_DETAIL] == 0 and not BuyerOrder.objects.exists()
    # A claim that ran out (its worker was killed) frees the event.
    InboundEvent.objects.filter(pk=event.pk).update(claimed_until=timezone.now())
    assert inbound.inbound_events_pending_ids(older_than_seconds=0) == [event.pk]
    inbound.inbound_event_process(event_id=event.pk)
    event.refresh_from_db()
    assert (event.status, event.attempts) == ("processed", 1)
    assert BuyerOrder.objects.get().order_ref == order["order_sn"]


@pytest.mark.django_db(transaction=True)
def test_a_run_whose_claim_ran_out_and_was_taken_stores_nothing(
    simulator, shop, django_capture_on_commit_callbacks, monkeypatch
):
    sim = simulator.sim
    monkeypatch.setattr(inbound, "_enqueue", lambda event_id: None)  # the runs below only
    event, order = _order_event(sim, django_capture_on_commit_callbacks)
    sim.faults.configure(delays={ORDER_DETAIL: 2})
    outcome = {}

    def slow_run():
        try:
            outcome["result"] = inbound.inbound_event_process(event_id=event.pk)
        finally:
            connection.close()

    slow = threading.Thread(target=slow_run)
    slow.start()
    try:
        while sim.calls[ORDER_DETAIL] < 1:  # the slow run is waiting on the marketplace
            assert slow.is_alive()
            slow.join(timeout=0.02)
        # Its claim runs out (as after the task's time limit) and another run takes the event.
        InboundEvent.objects.filter(pk=event.pk).update(claimed_until=timezone.now())
        sim.faults.configure(delays={})
        assert inbound.inbound_event_process(event_id=event.pk).pk == event.pk
    finally:
        slow.join(timeout=30)
    assert outcome == {"result": None}  # its answer came too late: not stored, not counted
    event.refresh_from_db()
    assert (event.status, event.attempts) == ("processed", 1)
    assert sim.calls[ORDER_DETAIL] == 2
    assert BuyerOrder.objects.get().order_ref == order["order_sn"]


@pytest.mark.django_db
def test_an_order_push_parked_after_its_claim_is_processed_again_once_its_shop_is_connected(
    simulator, django_capture_on_commit_callbacks
):
    sim = simulator.sim
    event, order = _order_event(sim, django_capture_on_commit_callbacks)  # no shop yet
    inbound.inbound_event_process(event_id=event.pk)
    event.refresh_from_db()
    assert event.status == "parked" and "unknown shop" in event.error
    connect(sim)
    with django_capture_on_commit_callbacks(execute=True):
        assert inbound.inbound_events_reprocess(event_ids=[event.pk]) == (1, 0)
    event.refresh_from_db()
    assert (event.status, event.error, event.claimed_until) == ("processed", "", None)
    assert BuyerOrder.objects.get().order_ref == order["order_sn"]
