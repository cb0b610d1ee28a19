"""Reconciliation: pulling conversations and lost pushes so no message is ever missed."""

import pytest

from chat.models import InboundEvent, Message, ShopSyncState
from chat.services.pipeline.reconcile import (
    lost_pushes_drain,
    shop_reconcile,
    shops_due_for_reconcile,
)
from integrations.errors import RateLimited
from integrations.shopee.simulator import buyer_message
from tests.chat.conftest import SHOP_ID

pytestmark = pytest.mark.django_db


def _buyers_write(sim, count: int) -> list[dict]:
    return [buyer_message(sim, shop_id=SHOP_ID, buyer_id=5000 + n % 4) for n in range(count)]


def test_missed_pushes_are_recovered_by_pulling_conversations(simulator, shop):
    sent = _buyers_write(simulator.sim, 12)
    result = shop_reconcile(shop=shop)
    assert result.complete
    stored = set(Message.objects.values_list("platform_message_id", flat=True))
    assert stored == {str(m["message_id"]) for m in sent}
    again = shop_reconcile(shop=shop)
    assert again.messages_created == 0
    assert Message.objects.count() == 12


def test_a_replayed_pull_changes_no_conversation_state(simulator, shop):
    from chat.models import Conversation

    _buyers_write(simulator.sim, 8)
    shop_reconcile(shop=shop)
    before = list(
        Conversation.objects.order_by("pk").values_list(
            "pk", "unread_count", "awaiting_reply_since", "last_message_at"
        )
    )
    # Forget every cursor: the same pages are read and offered for insert again.
    ShopSyncState.objects.update(conversations_synced_until=None)
    Conversation.objects.update(synced_until=None)
    again = shop_reconcile(shop=shop)
    assert again.messages_created == 0
    assert Message.objects.count() == 8
    after = list(
        Conversation.objects.order_by("pk").values_list(
            "pk", "unread_count", "awaiting_reply_since", "last_message_at"
        )
    )
    assert after == before
    assert sum(row[1] for row in after) == 8  # each buyer message counted once, not twice


def test_each_pulled_conversation_is_synced_up_to_its_newest_message(simulator, shop):
    from django.db.models import Max

    from chat.models import Conversation

    _buyers_write(simulator.sim, 6)
    shop_reconcile(shop=shop)
    for conversation in Conversation.objects.annotate(newest=Max("messages__platform_created_at")):
        assert conversation.synced_until == conversation.newest
        assert conversation.updated_at >= conversation.synced_until


def test_messages_of_a_pulled_conversation_are_stored_in_time_order(simulator, shop):
    _buyers_write(simulator.sim, 12)
    shop_reconcile(shop=shop)
    times: dict[int, list] = {}
    for conversation_id, at in Message.objects.order_by("pk").values_list(
        "conversation_id", "platform_created_at"
    ):
        times.setdefault(conversation_id, []).append(at)
    assert len(times) == 4
    # The thread orders by (created_at, id) and a batch shares one created_at: ids follow time.
    assert all(column == sorted(column) for column in times.values())


def test_pulled_buyer_messages_are_announced_once_after_commit(
    simulator, shop, django_capture_on_commit_callbacks
):
    from chat.signals import message_received

    sent = _buyers_write(simulator.sim, 6)
    announced = []

    def receiver(sender, message, conversation, **kwargs):
        assert conversation.pk == message.conversation_id
        announced.append(message.platform_message_id)

    message_received.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            shop_reconcile(shop=shop)
            shop_reconcile(shop=shop)  # nothing new: nothing announced twice
    finally:
        message_received.disconnect(receiver)
    assert sorted(announced) == sorted(str(m["message_id"]) for m in sent)


def test_the_cursor_limits_the_next_pull_to_newer_conversations(simulator, shop):
    _buyers_write(simulator.sim, 4)
    shop_reconcile(shop=shop)
    before = simulator.sim.snapshot_stats()["calls"].get("/api/v2/sellerchat/get_message", 0)
    shop_reconcile(shop=shop)
    after = simulator.sim.snapshot_stats()["calls"].get("/api/v2/sellerchat/get_message", 0)
    assert after == before  # nothing new: no conversation was re-read


def test_replies_sent_from_seller_centre_are_ingested_as_sent_outside(simulator, shop):
    [first] = _buyers_write(simulator.sim, 1)
    conv = simulator.sim.conv_by_id[str(first["conversation_id"])]
    simulator.sim.add_message(conv, from_seller=True, message_type="text", content={"text": "Hi!"})
    shop_reconcile(shop=shop)
    outside = Message.objects.get(direction=Message.Direction.OUTBOUND)
    assert outside.sender_kind == Message.SenderKind.OUTSIDE and outside.text == "Hi!"
    assert outside.conversation.awaiting_reply_since is None


def test_the_shops_auto_reply_is_ingested_as_auto_and_leaves_the_buyer_waiting(simulator, shop):
    [first] = _buyers_write(simulator.sim, 1)
    conv = simulator.sim.conv_by_id[str(first["conversation_id"])]
    simulator.sim.add_message(
        conv,
        from_seller=True,
        message_type="text",
        content={"text": "We reply within minutes."},
        status="auto_reply",
        message_option=129,
    )
    shop_reconcile(shop=shop)
    auto = Message.objects.get(direction=Message.Direction.OUTBOUND)
    assert auto.sender_kind == Message.SenderKind.AUTO
    assert auto.conversation.awaiting_reply_since is not None


def test_a_rate_limited_pull_backs_off_the_shop(simulator, shop):
    _buyers_write(simulator.sim, 2)
    simulator.sim.faults.script("sellerchat/get_conversation_list", [429] * 5)
    with pytest.raises(RateLimited):
        shop_reconcile(shop=shop)
    state = ShopSyncState.objects.get(shop=shop)
    assert state.backoff_until is not None and state.consecutive_rate_limits == 1
    assert shop.pk not in shops_due_for_reconcile()


def test_lost_pushes_are_stored_processed_and_only_then_confirmed(
    simulator, shop, django_capture_on_commit_callbacks
):
    sent = _buyers_write(simulator.sim, 3)  # no callback configured: all three are "lost"
    assert simulator.sim.snapshot_stats()["lost_push_pending"] == 3
    with django_capture_on_commit_callbacks(execute=True):
        created = lost_pushes_drain(platform="shopee")
    assert created == 3
    assert InboundEvent.objects.filter(source="lost_push", status="processed").count() == 3
    assert set(Message.objects.values_list("platform_message_id", flat=True)) == {
        str(m["message_id"]) for m in sent
    }
    stats = simulator.sim.snapshot_stats()
    assert stats["lost_push_pending"] == 0 and stats["lost_push_confirmed"] == 3


def test_lost_pushes_are_not_confirmed_when_storing_fails(simulator, shop, monkeypatch):
    from chat.services.pipeline import reconcile

    _buyers_write(simulator.sim, 2)

    def broken(**kwargs):
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(reconcile, "inbound_events_record_recovered", broken)
    with pytest.raises(RuntimeError):
        lost_pushes_drain(platform="shopee")
    assert simulator.sim.snapshot_stats()["lost_push_pending"] == 2


def test_a_walk_longer_than_one_run_resumes_and_completes(simulator, shop, monkeypatch):
    from chat.services.pipeline import reconcile

    monkeypatch.setattr(reconcile, "MAX_CONVERSATION_PAGES", 1)
    monkeypatch.setattr(reconcile, "CONVERSATION_PAGE_SIZE", 3)
    sent = [buyer_message(simulator.sim, shop_id=SHOP_ID, buyer_id=6000 + n) for n in range(7)]
    runs = [shop_reconcile(shop=shop) for _ in range(3)]
    assert [r.complete for r in runs] == [False, False, True]
    assert Message.objects.count() == 7
    assert set(Message.objects.values_list("platform_message_id", flat=True)) == {
        str(m["message_id"]) for m in sent
    }
    # Written after the walk began: the next walk picks it up, then there is nothing new.
    late = buyer_message(simulator.sim, shop_id=SHOP_ID, buyer_id=6100)
    assert shop_reconcile(shop=shop).complete
    assert Message.objects.filter(platform_message_id=str(late["message_id"])).exists()
    assert shop_reconcile(shop=shop).messages_created == 0


def test_a_walk_of_several_pages_fetches_ahead_and_stores_every_page(simulator, shop, monkeypatch):
    from chat.services.pipeline import reconcile

    monkeypatch.setattr(reconcile, "CONVERSATION_PAGE_SIZE", 3)
    sent = [buyer_message(simulator.sim, shop_id=SHOP_ID, buyer_id=6200 + n) for n in range(7)]
    result = shop_reconcile(shop=shop)
    assert result.complete and result.messages_created == 7
    assert simulator.sim.snapshot_stats()["calls"]["/api/v2/sellerchat/get_conversation_list"] == 3
    assert set(Message.objects.values_list("platform_message_id", flat=True)) == {
        str(m["message_id"]) for m in sent
    }


def test_a_rate_limit_on_the_page_fetched_ahead_keeps_the_page_in_hand(
    simulator, shop, monkeypatch
):
    from chat.services.pipeline import reconcile

    monkeypatch.setattr(reconcile, "CONVERSATION_PAGE_SIZE", 3)
    for n in range(7):
        buyer_message(simulator.sim, shop_id=SHOP_ID, buyer_id=6300 + n)
    simulator.sim.faults.script("sellerchat/get_conversation_list", [200] + [429] * 5)
    with pytest.raises(RateLimited):
        shop_reconcile(shop=shop)
    assert Message.objects.count() == 3  # the first page was stored before the error surfaced
    assert ShopSyncState.objects.get(shop=shop).backoff_until is not None
    simulator.sim.faults.reset()  # the rate limit is over
    lists = simulator.sim.snapshot_stats()["calls"]["/api/v2/sellerchat/get_conversation_list"]
    assert shop_reconcile(shop=shop).complete
    assert Message.objects.count() == 7
    # The walk resumed at the refused page: pages 2 and 3 only, not page 1 again.
    calls = simulator.sim.snapshot_stats()["calls"]["/api/v2/sellerchat/get_conversation_list"]
    assert calls - lists == 2


def test_bulk_statement_errors_surface_as_django_database_errors():
    from django.db import DataError

    from chat.services.pipeline.bulk_ingest import _bulk_execute

    with pytest.raises(DataError):
        _bulk_execute("SELECT 1 / %b", [0])


def test_a_nul_character_in_a_pulled_message_neither_blocks_the_sync_nor_loses_the_rest(
    simulator, shop
):
    sent = _buyers_write(simulator.sim, 3)
    odd = buyer_message(simulator.sim, shop_id=SHOP_ID, buyer_id=5000, text="size\u0000 M?")
    result = shop_reconcile(shop=shop)
    assert result.complete and result.messages_created == 4
    stored = dict(Message.objects.values_list("platform_message_id", "text"))
    assert set(stored) == {str(m["message_id"]) for m in [*sent, odd]}
    assert stored[str(odd["message_id"])] == "size\ufffd M?"


def test_an_unreadable_pulled_message_is_parked_once_and_the_rest_are_stored(simulator, shop):
    sent = _buyers_write(simulator.sim, 4)
    sent[1]["created_timestamp"] = 10**20  # beyond any date: the mapping cannot read it
    result = shop_reconcile(shop=shop)
    assert result.complete
    stored = set(Message.objects.values_list("platform_message_id", flat=True))
    assert stored == {str(m["message_id"]) for m in sent} - {str(sent[1]["message_id"])}
    [parked] = InboundEvent.objects.all()
    assert (parked.source, parked.status) == ("pull", "parked")
    assert "OverflowError" in parked.error and str(sent[1]["message_id"]) in parked.raw_body
    ShopSyncState.objects.update(conversations_synced_until=None)  # read every page again
    from chat.models import Conversation

    Conversation.objects.update(synced_until=None)
    assert shop_reconcile(shop=shop).messages_created == 0
    assert InboundEvent.objects.count() == 1


def test_an_unreadable_conversation_is_parked_and_the_others_synced(simulator, shop):
    sent = _buyers_write(simulator.sim, 4)  # four buyers, four conversations
    odd = simulator.sim.conversation_for(SHOP_ID, 5001, create=False)
    odd["conversation_id"] = 1.5  # a float id would already have lost digits
    result = shop_reconcile(shop=shop)
    assert result.complete
    stored = set(Message.objects.values_list("platform_message_id", flat=True))
    assert stored == {str(m["message_id"]) for m in sent if m["from_id"] != 5001}
    [parked] = InboundEvent.objects.filter(status="parked")
    assert parked.source == "pull" and "ValueError" in parked.error


def test_an_unreadable_lost_push_is_parked_and_the_others_recovered_and_confirmed(
    simulator, shop, django_capture_on_commit_callbacks
):
    sent = _buyers_write(simulator.sim, 3)
    simulator.sim.lost_pushes[1]["code"] = "ten"
    with django_capture_on_commit_callbacks(execute=True):
        assert lost_pushes_drain(platform="shopee") == 2
    assert InboundEvent.objects.filter(source="lost_push", status="processed").count() == 2
    [parked] = InboundEvent.objects.filter(status="parked")
    assert parked.source == "lost_push" and "ValueError" in parked.error
    assert set(Message.objects.values_list("platform_message_id", flat=True)) == {
        str(sent[0]["message_id"]),
        str(sent[2]["message_id"]),
    }
    assert simulator.sim.snapshot_stats()["lost_push_pending"] == 0


def _calls(sim) -> int:
    return sum(sim.calls.values())


def test_a_shop_being_synced_is_skipped_by_a_second_run_and_left_out_of_the_schedule(
    simulator, shop
):
    from datetime import timedelta

    from django.utils import timezone

    _buyers_write(simulator.sim, 2)
    ShopSyncState.objects.create(shop=shop, running_until=timezone.now() + timedelta(minutes=5))
    before = _calls(simulator.sim)

    result = shop_reconcile(shop=shop)

    assert result.skipped and not Message.objects.exists()
    assert _calls(simulator.sim) == before  # not one API call spent
    assert shop.pk not in shops_due_for_reconcile()
    assert ShopSyncState.objects.get(shop=shop).running_until is not None  # still the other's


def test_a_lease_left_by_a_killed_worker_expires(simulator, shop):
    from datetime import timedelta

    from django.utils import timezone

    _buyers_write(simulator.sim, 2)
    ShopSyncState.objects.create(shop=shop, running_until=timezone.now() - timedelta(seconds=1))
    assert shop.pk in shops_due_for_reconcile()
    result = shop_reconcile(shop=shop)
    assert not result.skipped and result.messages_created == 2
    assert ShopSyncState.objects.get(shop=shop).running_until is None


def test_a_run_that_fails_frees_the_shop(simulator, shop):
    _buyers_write(simulator.sim, 2)
    simulator.sim.faults.script("sellerchat/get_conversation_list", [429] * 8)
    with pytest.raises(RateLimited):
        shop_reconcile(shop=shop)
    state = ShopSyncState.objects.get(shop=shop)
    assert state.running_until is None and state.backoff_until is not None
