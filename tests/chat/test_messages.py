"""Message ingestion: idempotent, and the conversation clocks hold in any arrival order."""

from datetime import UTC, datetime, timedelta

import pytest

from chat.models import Conversation, Message
from chat.services.messages import message_ingest
from integrations.models import Shop
from integrations.types import Message as PlatformMessage
from integrations.types import MessageKind, SenderRole

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
BUYER = "9007199254740993"  # 2**53 + 1: must survive as a string


def _msg(
    n: int, sender: SenderRole, at: datetime, text: str = "", *, auto: bool = False
) -> PlatformMessage:
    return PlatformMessage(
        platform_message_id=f"90071992547409{n:02d}",
        conversation_id="9007199254740999",
        shop_id="100000000000000777",
        sender=sender,
        sender_id=BUYER if sender == SenderRole.BUYER else "100000000000000777",
        recipient_id="100000000000000777" if sender == SenderRole.BUYER else BUYER,
        kind=MessageKind.TEXT,
        sent_at=at,
        text=text or f"message {n}",
        is_auto_reply=auto,
    )


@pytest.fixture
def shop():
    return Shop.objects.create(platform_shop_id="100000000000000777", site="MY", name="MY")


def test_ingesting_the_same_message_twice_stores_it_once(shop):
    first, created = message_ingest(shop=shop, message=_msg(1, SenderRole.BUYER, T0))
    again, created_again = message_ingest(shop=shop, message=_msg(1, SenderRole.BUYER, T0))
    assert created and not created_again and first.pk == again.pk
    assert Message.objects.count() == 1
    conversation = Conversation.objects.get()
    assert conversation.buyer_platform_id == BUYER and conversation.unread_count == 1


def test_out_of_order_buyer_messages_start_the_clock_at_the_earliest(shop):
    message_ingest(shop=shop, message=_msg(2, SenderRole.BUYER, T0 + timedelta(minutes=2)))
    message_ingest(shop=shop, message=_msg(1, SenderRole.BUYER, T0))
    conversation = Conversation.objects.get()
    assert conversation.awaiting_reply_since == T0
    assert conversation.last_message_at == T0 + timedelta(minutes=2)
    assert conversation.last_message_preview == "message 2"


def test_a_reply_stops_the_clock_even_if_an_older_buyer_message_arrives_later(shop):
    message_ingest(shop=shop, message=_msg(2, SenderRole.BUYER, T0 + timedelta(minutes=1)))
    message_ingest(shop=shop, message=_msg(3, SenderRole.SELLER, T0 + timedelta(minutes=2)))
    message_ingest(shop=shop, message=_msg(1, SenderRole.BUYER, T0))  # late arrival
    conversation = Conversation.objects.get()
    assert conversation.awaiting_reply_since is None
    message_ingest(shop=shop, message=_msg(4, SenderRole.BUYER, T0 + timedelta(minutes=3)))
    conversation.refresh_from_db()
    assert conversation.awaiting_reply_since == T0 + timedelta(minutes=3)


def test_the_shops_auto_reply_does_not_stop_the_clock(shop):
    message_ingest(shop=shop, message=_msg(1, SenderRole.BUYER, T0))
    auto, _ = message_ingest(
        shop=shop, message=_msg(2, SenderRole.SELLER, T0 + timedelta(seconds=2), auto=True)
    )
    conversation = Conversation.objects.get()
    assert auto.sender_kind == Message.SenderKind.AUTO
    assert conversation.awaiting_reply_since == T0 and conversation.last_seller_message_at is None
    assert conversation.last_message_at == T0 + timedelta(seconds=2)  # shown as the latest
    message_ingest(shop=shop, message=_msg(3, SenderRole.SELLER, T0 + timedelta(minutes=1)))
    conversation.refresh_from_db()
    assert conversation.awaiting_reply_since is None


def test_a_buyer_message_reopens_a_resolved_conversation(shop):
    message_ingest(shop=shop, message=_msg(1, SenderRole.BUYER, T0))
    Conversation.objects.update(status=Conversation.Status.RESOLVED)
    message_ingest(shop=shop, message=_msg(2, SenderRole.BUYER, T0 + timedelta(hours=1)))
    assert Conversation.objects.get().status == Conversation.Status.OPEN


def test_message_received_is_sent_once_after_commit(shop, django_capture_on_commit_callbacks):
    from chat.signals import message_received

    received = []

    def receiver(sender, message, conversation, **kwargs):
        received.append(message.platform_message_id)

    message_received.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            message_ingest(shop=shop, message=_msg(1, SenderRole.BUYER, T0))
            message_ingest(shop=shop, message=_msg(1, SenderRole.BUYER, T0))
            message_ingest(shop=shop, message=_msg(2, SenderRole.SELLER, T0))
    finally:
        message_received.disconnect(receiver)
    assert received == ["9007199254740901"]
