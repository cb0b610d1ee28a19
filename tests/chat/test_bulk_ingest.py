"""The pull-sync write path stores every field as the adapter mapped it, and nothing twice."""

from datetime import UTC, datetime

import pytest

from chat.models import Conversation, Message
from chat.services.pipeline.bulk_ingest import ConversationBatch, messages_ingest_batch
from integrations import types
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db(transaction=True)

BUYER = "88000000000000001"


def _message(pk: str, sender: types.SenderRole, at: datetime, **fields) -> types.Message:
    own, buyer = ("9100000000000000001", BUYER)
    return types.Message(
        platform_message_id=pk,
        conversation_id="7300000000000000001",
        shop_id=own,
        sender=sender,
        sender_id=buyer if sender == types.SenderRole.BUYER else own,
        recipient_id=own if sender == types.SenderRole.BUYER else buyer,
        kind=fields.pop("kind", types.MessageKind.TEXT),
        sent_at=at,
        **fields,
    )


def test_each_field_is_stored_exactly():
    shop = ShopFactory()
    asked = datetime(2026, 11, 20, 8, 30, 1, 123456, tzinfo=UTC)
    answered = datetime(2026, 11, 20, 8, 31, 59, tzinfo=UTC)
    text = 'Ship to "Kuala Lumpur"? 请尽快 \\ 🙏\nthanks'
    messages = [
        _message("18446744073709551615", types.SenderRole.BUYER, asked, text=text),
        _message(
            "18446744073709551616",
            types.SenderRole.SELLER,
            answered,
            kind=types.MessageKind.ITEM,
            item_id="9007199254740993",
            quoted_message_id="18446744073709551615",
        ),
    ]
    batch = ConversationBatch("7300000000000000001", "Aisyah", messages)

    assert messages_ingest_batch(shop=shop, batches=[batch]) == 2

    asked_row = Message.objects.get(platform_message_id="18446744073709551615")
    assert (asked_row.text, asked_row.platform_created_at, asked_row.sent_at) == (text, asked, None)
    assert (asked_row.direction, asked_row.sender_kind, asked_row.status) == (
        "in",
        "buyer",
        "received",
    )
    assert asked_row.payload == {}
    answer = Message.objects.get(platform_message_id="18446744073709551616")
    assert (answer.kind, answer.platform_created_at, answer.sent_at) == ("item", answered, answered)
    assert (answer.direction, answer.sender_kind, answer.status) == ("out", "outside", "sent")
    assert answer.payload == {
        "item_id": "9007199254740993",
        "quoted_message_id": "18446744073709551615",
    }
    conversation = Conversation.objects.get(platform_conversation_id="7300000000000000001")
    assert (conversation.buyer_name, conversation.last_message_at) == ("Aisyah", answered)
    assert conversation.awaiting_reply_since is None


def test_a_replayed_batch_adds_nothing_and_leaves_the_conversation_as_it_was():
    shop = ShopFactory()
    at = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    batch = ConversationBatch(
        "7300000000000000002",
        "Minh",
        [_message("5000000000000000001", types.SenderRole.BUYER, at, text="còn hàng không?")],
    )
    assert messages_ingest_batch(shop=shop, batches=[batch]) == 1
    before = Conversation.objects.values().get()

    assert messages_ingest_batch(shop=shop, batches=[batch]) == 0

    assert Message.objects.count() == 1
    after = Conversation.objects.values().get()
    assert {k: v for k, v in after.items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"
    }
    assert after["unread_count"] == 1
