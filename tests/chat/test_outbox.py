"""Outbound replies: one transaction, exact send-rule reasons, retries, never a double send."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from chat.models import Conversation, LiveEvent, Message, OutboundDelivery
from chat.services.messages import message_ingest
from chat.services.pipeline.outbox import (
    QUICK_RETRY_DELAY_SECONDS,
    IdempotencyConflict,
    ReplyRejected,
    message_retry,
    message_send_reply,
    outbound_deliveries_sweep,
    outbound_delivery_resolve_unknown,
    outbound_delivery_send,
)
from integrations.shopee.mapping import message_from_shopee
from integrations.shopee.simulator import buyer_message
from shopee_cs.models import User
from tests.chat.conftest import TW_SHOP_ID, connect

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return User.objects.create_user("agent", password="x")


def _conversation(simulator, shop, text="Is this in stock?") -> Conversation:
    sim_message = buyer_message(simulator.sim, shop_id=shop.platform_shop_id, text=text)
    with simulator.sim.lock:
        public = simulator.sim.public_message(sim_message)
    message_ingest(shop=shop, message=message_from_shopee(public, shop_id=shop.platform_shop_id))
    return Conversation.objects.get(shop=shop)


def _queue(conversation, agent, text="Yes, ships today.", **kwargs):
    """Queue without running the task, so each test drives delivery itself."""
    message, _ = message_send_reply(conversation=conversation, user=agent, text=text, **kwargs)
    return message, message.delivery


def _seller_messages(simulator, conversation) -> int:
    return simulator.sim.snapshot_stats()["seller_messages_per_buyer"].get(
        conversation.buyer_platform_id, 0
    )


def test_a_reply_is_delivered_once_with_its_platform_id_and_latency(simulator, shop, agent):
    conversation = _conversation(simulator, shop)
    message, delivery = _queue(conversation, agent)
    assert message.status == Message.Status.QUEUED
    outbound_delivery_send(delivery_id=delivery.pk)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.platform_message_id
    assert message.delivery_latency_ms is not None
    assert _seller_messages(simulator, conversation) == 1
    conversation.refresh_from_db()
    assert conversation.awaiting_reply_since is None  # answered: the first-response clock stops


def test_a_token_revoked_at_the_platform_is_refreshed_and_the_reply_sent_once(
    simulator, shop, agent
):
    conversation = _conversation(simulator, shop)
    _, delivery = _queue(conversation, agent)
    with simulator.sim.lock:  # our stored token still looks valid, the platform disagrees
        simulator.sim.access_tokens.clear()
    outcome = outbound_delivery_send(delivery_id=delivery.pk)
    assert outcome.delivery.status == OutboundDelivery.Status.SENT
    assert _seller_messages(simulator, conversation) == 1
    assert simulator.sim.calls["/api/v2/auth/access_token/get"] == 1


def test_a_delivery_is_claimed_once(simulator, shop, agent):
    conversation = _conversation(simulator, shop)
    _, delivery = _queue(conversation, agent)
    assert outbound_delivery_send(delivery_id=delivery.pk) is not None
    assert outbound_delivery_send(delivery_id=delivery.pk) is None
    assert _seller_messages(simulator, conversation) == 1


def _attempts(delivery_id: int, count: int) -> list:
    """Run delivery attempts back to back, as the retry countdowns would, without waiting."""
    outcomes = []
    for _ in range(count):
        OutboundDelivery.objects.filter(pk=delivery_id).update(next_attempt_at=timezone.now())
        outcomes.append(outbound_delivery_send(delivery_id=delivery_id))
    return outcomes


def test_server_errors_then_rate_limit_are_retried_quickly_until_sent(simulator, shop, agent):
    conversation = _conversation(simulator, shop)
    _, delivery = _queue(conversation, agent)
    simulator.sim.faults.script("sellerchat/send_message", [500, 500, 429, 200])
    outcomes = _attempts(delivery.pk, 4)
    assert [o.retry_in for o in outcomes[:3]] == [QUICK_RETRY_DELAY_SECONDS] * 3
    delivery.refresh_from_db()
    assert delivery.status == OutboundDelivery.Status.SENT and delivery.attempts == 4
    assert _seller_messages(simulator, conversation) == 1


def test_a_retried_send_tells_agents_queued_then_sent_and_nothing_in_between(
    simulator, shop, agent
):
    conversation = _conversation(simulator, shop)
    message, delivery = _queue(conversation, agent)
    simulator.sim.faults.script("sellerchat/send_message", [500, 503, 200])
    _attempts(delivery.pk, 3)
    statuses = [
        (event.type, event.payload["message"]["status"])
        for event in LiveEvent.objects.order_by("id")
        if event.payload.get("message", {}).get("id") == message.pk
    ]
    assert statuses == [
        ("chat.message_created", "queued"),
        ("chat.message_status_changed", "sent"),
    ]


def test_after_three_quick_retries_the_backoff_stays_below_the_visibility_cap(
    simulator, shop, agent, settings
):
    conversation = _conversation(simulator, shop)
    message, delivery = _queue(conversation, agent)
    simulator.sim.faults.script("sellerchat/send_message", [500] * 8)
    outcomes = _attempts(delivery.pk, 8)
    message.refresh_from_db()
    assert message.status == Message.Status.QUEUED  # waiting, visible to the agent
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    backoffs = [o.retry_in for o in outcomes[3:]]
    assert all(0 < delay <= visibility / 2 for delay in backoffs)
    assert backoffs[-1] > backoffs[0]  # it grows
    assert _seller_messages(simulator, conversation) == 0


@override_settings(OUTBOX_BACKOFF_BASE_SECONDS=10_000)
def test_the_backoff_never_exceeds_half_the_visibility_timeout(simulator, shop, agent, settings):
    conversation = _conversation(simulator, shop)
    _, delivery = _queue(conversation, agent)
    simulator.sim.faults.script("sellerchat/send_message", [500] * 5)
    *_, last = _attempts(delivery.pk, 5)
    assert last.retry_in <= settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] / 2


def _send_unknown_then_read_back_once(simulator, conversation, message, delivery) -> None:
    """The send's outcome is unknown; reading back finds it sent, and it reached Shopee once."""
    outbound_delivery_send(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == OutboundDelivery.Status.UNKNOWN
    outbound_delivery_resolve_unknown(delivery_id=delivery.pk)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.platform_message_id
    assert _seller_messages(simulator, conversation) == 1


def test_a_dropped_connection_after_acceptance_is_never_sent_twice(simulator, shop, agent):
    conversation = _conversation(simulator, shop)
    message, delivery = _queue(conversation, agent)
    simulator.sim.faults.script("sellerchat/send_message", ["drop"])
    _send_unknown_then_read_back_once(simulator, conversation, message, delivery)


@pytest.mark.parametrize(
    "answer", [{}, {"message_id": 1.5}, {"message_id": "7", "created_timestamp": 10**20}]
)
def test_an_accepted_send_whose_answer_cannot_be_read_is_read_back_not_sent_again(
    simulator, shop, agent, monkeypatch, answer
):
    from integrations.shopee.simulator import api

    method, public, send = api.ROUTES["/api/v2/sellerchat/send_message"]

    def accepted_unreadable(sim, ctx):
        send(sim, ctx)  # the buyer gets the message
        return answer

    monkeypatch.setitem(
        api.ROUTES, "/api/v2/sellerchat/send_message", (method, public, accepted_unreadable)
    )
    conversation = _conversation(simulator, shop)
    message, delivery = _queue(conversation, agent)
    _send_unknown_then_read_back_once(simulator, conversation, message, delivery)


def test_an_unknown_outcome_that_did_not_land_is_sent_again(simulator, shop, agent):
    conversation = _conversation(simulator, shop)
    message, delivery = _queue(conversation, agent)
    simulator.sim.faults.script("sellerchat/send_message", [500])
    outbound_delivery_send(delivery_id=delivery.pk)
    OutboundDelivery.objects.filter(pk=delivery.pk).update(status=OutboundDelivery.Status.UNKNOWN)
    outbound_delivery_resolve_unknown(delivery_id=delivery.pk)  # not on the platform: resend
    outbound_delivery_send(delivery_id=delivery.pk)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert _seller_messages(simulator, conversation) == 1


def test_a_too_long_message_is_kept_as_failed_with_the_exact_reason(simulator, shop, agent):
    conversation = _conversation(simulator, shop)
    message, delivery = _queue(conversation, agent, text="x" * 601)
    assert message.status == Message.Status.FAILED
    assert message.failure_code == "too_long"
    assert "601 characters" in message.failure_reason and "600" in message.failure_reason
    assert delivery.status == OutboundDelivery.Status.FAILED
    assert Message.objects.filter(pk=message.pk).exists()
    assert simulator.sim.snapshot_stats()["calls"].get("/api/v2/sellerchat/send_message") is None


def test_a_sixth_unanswered_message_is_refused(simulator, shop, agent):
    conversation = _conversation(simulator, shop)
    for n in range(5):
        _, delivery = _queue(conversation, agent, text=f"update {n}")
        outbound_delivery_send(delivery_id=delivery.pk)
    message, _ = _queue(conversation, agent, text="one more")
    assert message.failure_code == "too_many_unanswered"
    assert _seller_messages(simulator, conversation) == 5


def test_the_same_text_within_a_day_is_refused(simulator, shop, agent):
    conversation = _conversation(simulator, shop)
    _, delivery = _queue(conversation, agent, text="Thanks for waiting!")
    outbound_delivery_send(delivery_id=delivery.pk)
    message, _ = _queue(conversation, agent, text="Thanks for waiting!")
    assert message.failure_code == "duplicate_text"
    assert "24 hours" in message.failure_reason


def test_tw_shops_cannot_send_through_the_api(simulator, agent):
    tw = connect(simulator.sim, shop_id=TW_SHOP_ID, site="TW")
    conversation = _conversation(simulator, tw)
    message, _ = _queue(conversation, agent)
    assert message.failure_code == "region_not_supported"


def test_the_platform_refusal_is_reported_even_when_local_rules_pass(simulator, shop, agent):
    """The platform has the last word: its refusal reason reaches the agent."""
    conversation = _conversation(simulator, shop)
    _phone_replies(simulator, conversation)
    message, delivery = _queue(conversation, agent, text="and from the console")
    outbound_delivery_send(delivery_id=delivery.pk)
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.failure_code == "too_many_unanswered"
    assert "Shopee refused" in message.failure_reason
    assert _seller_messages(simulator, conversation) == 0


def _phone_replies(simulator, conversation, count=5):
    """Replies sent from Seller Centre or the phone app, straight to the platform."""
    for n in range(count):
        simulator.sim.add_message(
            simulator.sim.conv_by_id[conversation.platform_conversation_id],
            from_seller=True,
            message_type="text",
            content={"text": f"from the phone {n}"},
        )


def test_a_failed_message_can_be_retried_once_the_rule_allows(simulator, shop, agent):
    conversation = _conversation(simulator, shop)
    _phone_replies(simulator, conversation)
    message, delivery = _queue(conversation, agent, text="and from the console")
    outbound_delivery_send(delivery_id=delivery.pk)
    message.refresh_from_db()
    assert message.failure_code == "too_many_unanswered"
    _conversation(simulator, shop, text="ok, thanks")  # the buyer answers
    message_retry(message=message, user=agent)
    outbound_delivery_send(delivery_id=delivery.pk)
    message.refresh_from_db()
    assert message.status == Message.Status.SENT


def test_retrying_a_sent_message_is_refused(simulator, shop, agent):
    conversation = _conversation(simulator, shop)
    message, delivery = _queue(conversation, agent)
    outbound_delivery_send(delivery_id=delivery.pk)
    with pytest.raises(ReplyRejected):
        message_retry(message=message, user=agent)


def test_an_idempotency_key_makes_a_double_submit_safe(simulator, shop, agent):
    conversation = _conversation(simulator, shop)
    first, created = message_send_reply(
        conversation=conversation, user=agent, text="hello", idempotency_key="k-1"
    )
    again, created_again = message_send_reply(
        conversation=conversation, user=agent, text="hello", idempotency_key="k-1"
    )
    assert created and not created_again and first.pk == again.pk
    with pytest.raises(IdempotencyConflict):
        message_send_reply(
            conversation=conversation, user=agent, text="other", idempotency_key="k-1"
        )
    assert OutboundDelivery.objects.count() == 1


def test_the_sweep_finds_rows_whose_task_was_lost(simulator, shop, agent, settings):
    conversation = _conversation(simulator, shop)
    _, delivery = _queue(conversation, agent)  # its on-commit task never ran here
    assert delivery.pk not in outbound_deliveries_sweep()["pending"]  # still within its grace
    settings.OUTBOX_SWEEP_GRACE_SECONDS = 0
    assert delivery.pk in outbound_deliveries_sweep()["pending"]
    outbound_delivery_send(delivery_id=delivery.pk)
    assert delivery.pk not in outbound_deliveries_sweep()["pending"]


def test_the_sweep_takes_an_overdue_row_once_per_grace_period(simulator, shop, agent, settings):
    conversation = _conversation(simulator, shop)
    _, delivery = _queue(conversation, agent)
    OutboundDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=5)
    )
    assert outbound_deliveries_sweep()["pending"] == [delivery.pk]
    assert outbound_deliveries_sweep()["pending"] == []  # its task was just enqueued again
    outcome = outbound_delivery_send(delivery_id=delivery.pk)
    assert outcome.delivery.status == OutboundDelivery.Status.SENT


def test_unknown_kinds_and_empty_payloads_are_rejected(simulator, shop, agent):
    conversation = _conversation(simulator, shop)
    with pytest.raises(ReplyRejected):
        message_send_reply(conversation=conversation, user=agent, kind="voice", text="x")
    with pytest.raises(ReplyRejected):
        message_send_reply(conversation=conversation, user=agent, kind="image")
    assert not Message.objects.filter(direction=Message.Direction.OUTBOUND).exists()


def test_a_read_back_that_cannot_read_a_record_fails_the_message_instead_of_resending(
    simulator, shop, agent
):
    conversation = _conversation(simulator, shop)
    message, delivery = _queue(conversation, agent)
    simulator.sim.faults.script("sellerchat/send_message", ["drop"])  # sent, answer lost
    outbound_delivery_send(delivery_id=delivery.pk)
    with simulator.sim.lock:
        [sim_conversation] = simulator.sim.conversations.values()
        sim_conversation["messages"][-1]["created_timestamp"] = 10**20  # ours, now unreadable
    outbound_delivery_resolve_unknown(delivery_id=delivery.pk)
    message.refresh_from_db()
    assert (message.status, message.failure_code) == (Message.Status.FAILED, "unverified")
    assert "Check the chat in Seller Centre" in message.failure_reason
    assert _seller_messages(simulator, conversation) == 1  # never sent twice
