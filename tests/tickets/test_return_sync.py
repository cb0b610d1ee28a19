"""The return sync: a marketplace return becomes one ticket that follows it, by push and by pull,
against the Shopee simulator on loopback."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, close_old_connections, connections, transaction
from django.utils import timezone

from chat.models import BuyerReturn, ShopSyncState
from chat.services.pipeline.orders import (
    return_fetch,
    return_refresh,
    return_store,
    returns_pull,
)
from chat.signals import return_updated
from integrations.errors import AdapterError
from integrations.shopee.simulator import (
    SimError,
    advance_order,
    advance_return,
    place_order,
    request_return,
)
from tests.chat.conftest import SHOP_ID, connect, signed_post, take_pushes
from tests.factories import ConversationFactory, ShopFactory
from tickets.models import Status, Ticket, TicketEvent, TicketType
from tickets.services import TicketInvalid, ticket_from_return, ticket_merge
from tickets.services.tickets import ticket_create
from tickets.sla import SlaState, ticket_sla_state
from tickets.tasks import returns_pull_task, ticket_from_return_task


@pytest.fixture
def connected_shop(db, simulator):
    return connect(simulator.sim)


def _returned_order(sim, *, text="Lid is cracked") -> tuple[dict, dict]:
    order = place_order(sim, shop_id=SHOP_ID)
    advance_order(sim, order_sn=order["order_sn"], status="SHIPPED")
    return order, request_return(sim, order_sn=order["order_sn"], text=text)


def _at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def _post_all(client, settings, sim) -> list[bytes]:
    bodies = take_pushes(sim)
    for body in bodies:
        assert signed_post(client, settings, body).status_code == 200
    return bodies


def _status_moves(ticket) -> list[tuple[str, str]]:
    rows = ticket.events.filter(kind=TicketEvent.Kind.STATUS)
    return list(rows.values_list("old_value", "new_value"))


# -- chat announces -----------------------------------------------------------------------------


def test_return_store_announces_new_returns_and_changes_only(
    simulator, connected_shop, django_capture_on_commit_callbacks
):
    _, returned = _returned_order(simulator.sim)
    heard = []

    def listener(sender, buyer_return, **kwargs):
        heard.append((sender, buyer_return.return_ref, buyer_return.status))

    return_updated.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            return_refresh(shop=connected_shop, return_ref=returned["return_sn"])
        with django_capture_on_commit_callbacks(execute=True):
            return_refresh(
                shop=connected_shop, return_ref=returned["return_sn"]
            )  # unchanged: silent
        advance_return(simulator.sim, return_sn=returned["return_sn"], status="ACCEPTED")
        with django_capture_on_commit_callbacks(execute=True):
            return_refresh(shop=connected_shop, return_ref=returned["return_sn"])
        advance_return(simulator.sim, return_sn=returned["return_sn"], status="ACCEPTED", due_in=60)
        with django_capture_on_commit_callbacks(execute=True):
            return_refresh(
                shop=connected_shop, return_ref=returned["return_sn"]
            )  # the deadline moved
    finally:
        return_updated.disconnect(listener)
    ref = returned["return_sn"]
    assert heard == [
        (BuyerReturn, ref, "REQUESTED"),
        (BuyerReturn, ref, "ACCEPTED"),
        (BuyerReturn, ref, "ACCEPTED"),
    ]


def test_a_store_that_rolls_back_announces_nothing(simulator, connected_shop):
    _, returned = _returned_order(simulator.sim)
    heard = []
    return_updated.connect(lambda **kw: heard.append(kw), weak=False, dispatch_uid="rollback")
    fetched = return_fetch(shop=connected_shop, return_ref=returned["return_sn"])
    try:
        with pytest.raises(RuntimeError), transaction.atomic():
            return_store(shop=connected_shop, fetched=fetched)
            raise RuntimeError("the caller failed after the store")
    finally:
        return_updated.disconnect(dispatch_uid="rollback")
    assert heard == [] and not BuyerReturn.objects.exists()


# -- the simulator's knobs ----------------------------------------------------------------------


def test_the_simulator_advances_returns_along_their_flow_and_pushes_each_change(simulator):
    sim = simulator.sim
    _, returned = _returned_order(sim)
    take_pushes(sim)
    assert advance_return(sim, return_sn=returned["return_sn"])["status"] == "PROCESSING"
    changed = advance_return(
        sim, return_sn=returned["return_sn"], status="SELLER_DISPUTE", due_in=7
    )
    assert changed["due_date"] == changed["update_time"] + 7
    pushes = take_pushes(sim)
    assert len(pushes) == 2 and all(b'"code":29' in p for p in pushes)


def test_the_simulator_refuses_an_unknown_return_or_status(simulator):
    _, returned = _returned_order(simulator.sim)
    take_pushes(simulator.sim)
    with pytest.raises(SimError):
        advance_return(simulator.sim, return_sn="1", status="ACCEPTED")
    with pytest.raises(SimError):
        advance_return(simulator.sim, return_sn=returned["return_sn"], status="LOST_IN_SPACE")
    assert simulator.sim.returns[returned["return_sn"]]["status"] == "REQUESTED"
    assert take_pushes(simulator.sim) == []


# -- acceptance: push path, pull path -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_pushed_return_becomes_one_ticket_that_follows_it(client, settings, simulator):
    sim = simulator.sim
    shop = connect(sim)
    order, returned = _returned_order(sim)
    conversation = ConversationFactory(shop=shop, buyer_platform_id=str(order["buyer_user_id"]))
    _post_all(client, settings, sim)

    ticket = Ticket.objects.get()
    assert (ticket.shop, ticket.return_ref, ticket.order_ref) == (
        shop,
        returned["return_sn"],
        order["order_sn"],
    )
    assert ticket.ticket_type.code == "return_refund" and ticket.source == "return_sync"
    assert ticket.status == Status.OPEN
    assert ticket.marketplace_due_at == _at(returned["due_date"])
    assert ticket.due_at == ticket.marketplace_due_at  # no resolution policy: the market's own
    assert list(ticket.conversations.all()) == [conversation]
    assert ticket_sla_state(ticket, timezone.now()) == SlaState.ON_TRACK

    # The seller must answer within the hour: the ticket is due soon.
    advance_return(sim, return_sn=returned["return_sn"], status="SELLER_DISPUTE", due_in=3600)
    [dispute_push] = _post_all(client, settings, sim)
    ticket.refresh_from_db()
    assert ticket.marketplace_due_at == _at(sim.returns[returned["return_sn"]]["due_date"])
    assert ticket_sla_state(ticket, timezone.now()) == SlaState.DUE_SOON
    assert ticket.events.filter(kind="changed", field="marketplace_due_at").count() == 1

    advance_return(sim, return_sn=returned["return_sn"], status="REFUND_PAID")
    _post_all(client, settings, sim)
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED

    assert signed_post(client, settings, dispute_push).status_code == 200  # a replayed push
    assert Ticket.objects.count() == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert _status_moves(ticket) == [("new", "open"), ("open", "resolved")]


@pytest.mark.django_db(transaction=True)
def test_with_the_push_lost_the_pull_makes_the_ticket_and_follows_the_return(simulator):
    sim = simulator.sim
    shop = connect(sim)
    _, returned = _returned_order(sim)
    take_pushes(sim)  # lost on the way

    assert returns_pull_task() == 1
    ticket = Ticket.objects.get()
    assert ticket.return_ref == returned["return_sn"] and ticket.status == Status.OPEN
    assert ticket.marketplace_due_at == _at(returned["due_date"])
    cursor = ShopSyncState.objects.get(shop=shop).returns_synced_until
    assert cursor is not None

    advance_return(sim, return_sn=returned["return_sn"], status="CANCELLED")
    take_pushes(sim)
    returns_pull_task()
    ticket.refresh_from_db()
    assert Ticket.objects.count() == 1 and ticket.status == Status.CLOSED
    assert ShopSyncState.objects.get(shop=shop).returns_synced_until > cursor


def test_a_failed_pull_keeps_the_cursor_and_stores_nothing(simulator, connected_shop):
    _returned_order(simulator.sim)
    simulator.sim.faults.configure(error_5xx_pct=100)
    with pytest.raises(AdapterError):
        returns_pull(shop=connected_shop)
    assert not BuyerReturn.objects.exists()
    assert not ShopSyncState.objects.filter(
        shop=connected_shop, returns_synced_until__isnull=False
    ).exists()


# -- one ticket per return ------------------------------------------------------------------------


def _cached_return(shop, **fields) -> BuyerReturn:
    fields.setdefault("status", "REQUESTED")
    fields.setdefault("status_code", "requested")
    return BuyerReturn.objects.create(
        shop=shop, return_ref="900000000000000001", order_ref="800000000000000001", **fields
    )


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_syncs_of_one_return_make_one_ticket():
    ret = _cached_return(ShopFactory())
    start = threading.Barrier(2)
    results, errors = [], []

    def sync():
        try:
            start.wait(timeout=10)
            results.append(ticket_from_return(ret.pk).pk)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sync) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    close_old_connections()
    assert errors == []
    assert Ticket.objects.count() == 1 and results == [Ticket.objects.get().pk] * 2


def test_the_database_refuses_a_second_synced_ticket_for_one_return(db):
    ret = _cached_return(ShopFactory())
    ticket_from_return(ret.pk)
    with pytest.raises(IntegrityError), transaction.atomic():
        ticket_create(
            actor=None,
            ticket_type="return_refund",
            subject="again",
            shop=ret.shop,
            return_ref=ret.return_ref,
            source=Ticket.Source.RETURN_SYNC,
        )
    assert Ticket.objects.count() == 1


def test_a_ticket_merged_away_hands_the_return_to_the_one_it_went_into(db):
    ret = _cached_return(ShopFactory())
    synced = ticket_from_return(ret.pk)
    kept = ticket_create(actor=None, ticket_type="return_refund", subject="x", shop=ret.shop)
    ticket_merge(duplicate=synced, target=kept, actor=None)
    ret.status, ret.status_code = "REFUND_PAID", "refunded"
    ret.save()
    assert ticket_from_return(ret.pk).pk == kept.pk
    kept.refresh_from_db()
    assert kept.return_ref == ret.return_ref and kept.status == Status.RESOLVED
    assert Ticket.objects.count() == 2


def test_an_unknown_return_makes_no_ticket(db):
    assert ticket_from_return(123456789) is None
    assert not Ticket.objects.exists()


def test_a_closed_ticket_is_not_reopened_and_a_resolved_one_reopens(db):
    ret = _cached_return(ShopFactory())
    ticket = ticket_from_return(ret.pk)
    for raw, code, expected in [
        ("REFUND_PAID", "refunded", Status.RESOLVED),
        ("JUDGING", "in_review", Status.REOPENED),
        ("CANCELLED", "cancelled", Status.CLOSED),
        ("REQUESTED", "requested", Status.CLOSED),
    ]:
        ret.status, ret.status_code = raw, code
        ret.save()
        ticket = ticket_from_return(ret.pk)
        assert ticket.status == expected, raw


def test_the_earlier_deadline_wins(db, sla):
    shop = ShopFactory()  # open around the clock; the policy gives 240 minutes
    late = _cached_return(shop, due_at=timezone.now() + timedelta(days=30))
    ticket = ticket_from_return(late.pk)
    assert ticket.marketplace_due_at == late.due_at and ticket.due_at < late.due_at
    late.due_at = timezone.now() + timedelta(minutes=30)
    late.save()
    ticket = Ticket.objects.get(pk=ticket_from_return(late.pk).pk)
    assert ticket.due_at == late.due_at
    assert ticket_sla_state(ticket, timezone.now()) == SlaState.DUE_SOON
    assert TicketType.objects.get(code="return_refund") == ticket.ticket_type


def test_with_the_return_type_deactivated_the_sync_says_why_and_writes_nothing(db, caplog):
    ret = _cached_return(ShopFactory())
    TicketType.objects.filter(code="return_refund").update(is_active=False)
    with pytest.raises(TicketInvalid, match="return_refund"):
        ticket_from_return(ret.pk)
    ticket_from_return_task(ret.pk)  # the queued task logs it instead of failing forever
    assert "made no ticket" in caplog.text and "return_refund" in caplog.text
    assert not Ticket.objects.exists() and not TicketEvent.objects.exists()


def test_after_a_long_outage_the_pull_asks_no_wider_window_than_the_marketplace_allows(
    simulator, connected_shop
):
    _, returned = _returned_order(simulator.sim)
    take_pushes(simulator.sim)
    with simulator.sim.lock:  # updated 20 days ago: outside the widest window
        simulator.sim.returns[returned["return_sn"]]["update_time"] -= 20 * 86400
    ShopSyncState.objects.create(
        shop=connected_shop, returns_synced_until=timezone.now() - timedelta(days=60)
    )
    assert returns_pull(shop=connected_shop) == 0
    assert not BuyerReturn.objects.exists()
