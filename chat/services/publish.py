"""Fan-out of chat events to the agents' sockets, on commit (see chat.events)."""

from chat.events import conversation_data, message_data
from chat.models import Conversation, Message
from shopee_cs.realtime import publish_on_commit, shop_group


def conv_group(conversation_id: int) -> str:
    return f"conv.{conversation_id}"


def message_publish(*, message: Message, event_type: str) -> None:
    event = {"type": event_type, "message": message_data(message)}
    publish_on_commit(shop_group(message.shop_id), event)


def conversation_publish(*, conversation: Conversation) -> None:
    event = {"type": "chat.conversation_updated", "conversation": conversation_data(conversation)}
    publish_on_commit(shop_group(conversation.shop_id), event)
