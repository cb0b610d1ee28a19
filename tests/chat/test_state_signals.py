"""The state machine's upward signals (after the commit, never for a rollback), its cost on the
push path, and each shop's first-response target."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from chat.models import Conversation, ConversationFact
from chat.services.inbox.conversations import (
    conversation_assign,
    conversation_resolve,
)
from chat.signals import (
    conversation_assigned,
    conversation_reopened,
    conversation_resolved,
    reply_sent,
)
from integrations.models import Shop
from integrations.types import SenderRole
from shopee_cs.models import User
from tests.chat.test_conversation_facts import SHOP_ID, Timeline
from tests.factories import AgentGroupFactory, ConversationFactory, UserFactory, login_verified

pytestmark = pytest.mark.django_db
K = ConversationFact.Kind
T = timezone.now().replace(microsecond=0) - timedelta(hours=1)


@pytest.fixture
def plain_shop():
    return Shop.objects.create(platform_shop_id=SHOP_ID, site="MY", name="MY")


@contextmanager
def _heard(*signals):
    heard = []

    def receiver(signal, sender, fact, conversation, **kwargs):
        assert sender is ConversationFact and fact.conversation_id == conversation.pk
        heard.append((signal, fact.kind, fact.message_id, fact.wait_ms))

    for signal in signals:
        signal.connect(receiver)
    try:
        yield heard
    finally:
        for signal in signals:
            signal.disconnect(receiver)


def test_each_change_is_announced_once_after_its_commit(
    plain_shop, django_capture_on_commit_callbacks
):
    ana = User.objects.create_user("ana", password="x")
    timeline = Timeline(plain_shop)
    timeline.message("m1", SenderRole.BUYER, T)
    timeline.message("sc", SenderRole.SELLER, T + timedelta(seconds=20))
    timeline.message("m2", SenderRole.BUYER, T + timedelta(seconds=40))
    signals = (reply_sent, conversation_assigned, conversation_resolved, conversation_reopened)
    with _heard(*signals) as heard:
        with django_capture_on_commit_callbacks() as pending:
            timeline.push("m1", "sc")
            assert heard == []  # nothing before the commit
        for callback in pending:
            callback()
        with django_capture_on_commit_callbacks(execute=True):
            conversation_assign(conversation=timeline.conversation, assignee=ana, actor=ana)
            conversation_resolve(conversation=timeline.conversation, actor=ana)
            timeline.pull("m1", "sc", "m2")  # pulled: m2 reopens it
    assert heard == [
        (reply_sent, K.OUTSIDE_REPLY, timeline.id("sc"), 20_000),
        (conversation_assigned, K.ASSIGNED, None, None),
        (conversation_resolved, K.RESOLVED, None, None),
        (conversation_reopened, K.REOPENED, timeline.id("m2"), None),
    ]


def test_a_change_rolled_back_announces_nothing_and_leaves_no_fact(plain_shop):
    timeline = Timeline(plain_shop)
    timeline.message("m1", SenderRole.BUYER, T)
    timeline.message("sc", SenderRole.SELLER, T + timedelta(seconds=20))
    timeline.push("m1")
    with _heard(reply_sent) as heard, pytest.raises(RuntimeError), transaction.atomic():
        timeline.push("sc")
        raise RuntimeError("the caller's transaction fails after the reply was stored")
    assert heard == []
    assert [f.kind for f in ConversationFact.objects.all()] == [K.BUYER_MESSAGE]
    assert Conversation.objects.get().awaiting_reply_since == T


def test_a_push_in_order_writes_its_facts_without_another_round_trip(
    plain_shop, django_assert_num_queries
):
    from chat.services.messages import conversation_locked_with_shop, message_ingest

    timeline = Timeline(plain_shop)
    timeline.message("m1", SenderRole.BUYER, T)
    timeline.message("m2", SenderRole.BUYER, T + timedelta(seconds=5))
    timeline.push("m1")
    # As push processing does: the conversation locked and read with its shop; the message
    # inserted; then its conversation's update, its facts and its live events together.
    with transaction.atomic(), django_assert_num_queries(3):
        conversation = conversation_locked_with_shop(
            platform="shopee",
            platform_shop_id=SHOP_ID,
            platform_conversation_id=timeline.conversation_id,
        )
        message_ingest(shop=plain_shop, message=timeline.sent["m2"], conversation=conversation)
    assert [f.message_id for f in ConversationFact.objects.order_by("id")] == [
        timeline.id("m1"),
        timeline.id("m2"),
    ]


def test_each_shop_counts_down_to_its_own_target(client, settings):
    agent = UserFactory()
    quick = Shop.objects.create(platform_shop_id="1", site="MY", name="quick")
    quick.first_response_target_seconds = 60
    quick.save()
    default = Shop.objects.create(platform_shop_id="2", site="TH", name="default")
    assert default.first_response_target_seconds == settings.FIRST_RESPONSE_TARGET_SECONDS
    AgentGroupFactory(shops=[quick, default], members=[agent])
    since = timezone.now().replace(microsecond=0)
    for shop in (quick, default):
        ConversationFactory(shop=shop, awaiting_reply_since=since)
    login_verified(client, agent)
    rows = client.get("/api/v1/conversations/").json()["results"]
    due = {row["shop_id"]: row["first_response_due_at"] for row in rows}
    expected = {
        quick.pk: since + timedelta(seconds=60),
        default.pk: since + timedelta(seconds=settings.FIRST_RESPONSE_TARGET_SECONDS),
    }
    assert due == {pk: at.isoformat().replace("+00:00", "Z") for pk, at in expected.items()}
    conversation = Conversation.objects.get(shop=quick)
    detail = client.get(f"/api/v1/conversations/{conversation.pk}/").json()
    assert detail["conversation"]["first_response_due_at"] == due[quick.pk]


@pytest.mark.parametrize("seconds", [0, 8 * 24 * 3600])
def test_a_target_out_of_range_is_refused(seconds):
    shop = Shop(platform_shop_id="3", site="MY", name="MY", first_response_target_seconds=seconds)
    with pytest.raises(ValidationError) as refused:
        shop.full_clean()
    assert "first_response_target_seconds" in refused.value.message_dict
