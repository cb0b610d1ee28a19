"""Conversation tags: added by a chat service (kept in order, no duplicates, trimmed), shown
by the REST API's list and detail."""

import pytest

from chat.models import Conversation, LiveEvent
from chat.services.inbox.conversations import conversation_tags_add
from tests.factories import (
    AgentGroupFactory,
    ConversationFactory,
    ShopFactory,
    UserFactory,
    login_verified,
)

pytestmark = pytest.mark.django_db


def test_tags_are_added_once_in_order_and_published():
    conversation = ConversationFactory()
    conversation_tags_add(conversation=conversation, tags=["return", " vip ", ""])
    conversation_tags_add(conversation=conversation, tags=["vip", "return", "x" * 40])
    conversation.refresh_from_db()
    assert conversation.tags == ["return", "vip", "x" * 32]
    assert LiveEvent.objects.filter(type="chat.conversation_updated").count() == 2
    conversation_tags_add(conversation=conversation, tags=["vip"])  # nothing new: no event
    assert LiveEvent.objects.filter(type="chat.conversation_updated").count() == 2


def test_a_new_conversation_has_no_tags():
    conversation = ConversationFactory()
    assert Conversation.objects.get(pk=conversation.pk).tags == []


def test_the_api_shows_the_tags(client):
    agent, shop = UserFactory(), ShopFactory()
    AgentGroupFactory(shops=[shop], members=[agent])
    conversation = ConversationFactory(shop=shop)
    conversation_tags_add(conversation=conversation, tags=["tracking"])
    login_verified(client, agent)
    listed = client.get("/api/v1/conversations/").json()["results"]
    assert [row["tags"] for row in listed] == [["tracking"]]
    detail = client.get(f"/api/v1/conversations/{conversation.pk}/").json()
    assert detail["conversation"]["tags"] == ["tracking"]
