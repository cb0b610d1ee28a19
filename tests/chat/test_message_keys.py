"""A message's keys: its conversation must exist and belong to the shop the message names."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from chat.models import Conversation, Message
from tests.factories import ConversationFactory, MessageFactory, ShopFactory

pytestmark = pytest.mark.django_db


def _insert_checked(**fields) -> Message:
    """Create a message with the deferred keys checked now, as the commit would."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        return Message.objects.create(direction="in", sender_kind="buyer", text="hi", **fields)


def test_a_message_of_its_conversations_shop_is_stored():
    conversation = ConversationFactory()
    message = _insert_checked(conversation=conversation, shop=conversation.shop)
    assert Message.objects.get(pk=message.pk).shop_id == conversation.shop_id


def test_a_message_naming_another_shop_than_its_conversations_is_refused():
    conversation = ConversationFactory()
    other = ShopFactory()
    with pytest.raises(IntegrityError, match="message_same_shop_as_conversation"):
        _insert_checked(conversation=conversation, shop=other)
    assert not Message.objects.exists()


def test_a_message_of_a_missing_conversation_is_refused():
    shop = ShopFactory()
    with pytest.raises(IntegrityError, match="message_same_shop_as_conversation"):
        _insert_checked(conversation_id=987654321, shop=shop)
    assert not Message.objects.exists()


def test_deleting_a_conversation_still_deletes_its_messages():
    message = MessageFactory()
    message.conversation.delete()
    assert not Message.objects.filter(pk=message.pk).exists()
    assert not Conversation.objects.exists()


def test_a_shop_with_conversations_still_cannot_be_deleted():
    message = MessageFactory()
    with pytest.raises(ProtectedError):
        message.shop.delete()
