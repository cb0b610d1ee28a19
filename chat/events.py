"""Real-time event schemas (type ``chat.<noun>_<verb>``), one TypedDict per event type.

They are sent to ``shop.<shop pk>`` (every agent who may see the shop; the console keeps what
concerns the conversation it shows). Every stored event carries ``event_id``, the id of its
LiveEvent row, so a reconnecting client can replay from the database.
"""

from datetime import timedelta
from typing import TypedDict

from chat.services.pipeline.send_rules import message_retryable


class MessageData(TypedDict):
    id: int
    conversation_id: int
    shop_id: int
    platform_message_id: str | None
    direction: str
    sender_kind: str
    kind: str
    text: str
    payload: dict
    status: str
    failure_code: str
    failure_reason: str
    retryable: bool  # a failed message that the retry action could still send
    platform_created_at: str | None
    created_at: str
    # A buyer message's language (ISO 639-1) and intent, "" until classified.
    language: str
    intent: str
    intent_confidence: float | None


class MessageCreatedEvent(TypedDict):
    type: str  # "chat.message_created"
    message: MessageData


class MessageStatusChangedEvent(TypedDict):
    type: str  # "chat.message_status_changed"
    message: MessageData


class MessageUpdatedEvent(TypedDict):
    """A stored message's details changed (its detected language and intent)."""

    type: str  # "chat.message_updated"
    message: MessageData


class ConversationData(TypedDict):
    id: int
    shop_id: int
    status: str
    assignee_id: int | None
    unread_count: int
    last_message_at: str | None
    last_message_preview: str
    awaiting_reply_since: str | None
    # awaiting_reply_since + the shop's first_response_target_seconds: the countdown's end.
    first_response_due_at: str | None
    buyer_name: str


class ConversationUpdatedEvent(TypedDict):
    type: str  # "chat.conversation_updated"
    conversation: ConversationData


class CountdownEntry(TypedDict):
    conversation_id: int
    shop_id: int
    awaiting_reply_since: str
    first_response_due_at: str


class FirstResponseCountdownEvent(TypedDict):
    """Sent by the socket on connect (and after a replay): every running first-response clock
    the agent may see, with the server's time so the browser corrects its own clock's skew.
    Later changes arrive as chat.conversation_updated (first_response_due_at)."""

    type: str  # "chat.first_response_countdown"
    server_time: str
    target_seconds: int  # the default target; each entry's due time uses its shop's
    conversations: list[CountdownEntry]


class AgentPresenceEvent(TypedDict):
    """An agent opened their first console socket (online) or closed their last one. Not stored:
    presence is only true now, so it is never replayed."""

    type: str  # "chat.agent_presence"
    user_id: int
    name: str
    online: bool
    shop_ids: list[int]


class ResyncRequiredEvent(TypedDict):
    """More events were missed than a replay sends: reload the lists, then carry on from
    `last_event_id`."""

    type: str  # "chat.resync_required"
    last_event_id: int


def first_response_due_at(awaiting_reply_since, target_seconds: int):
    """When the first-response target is missed; `target_seconds` is the shop's."""
    if awaiting_reply_since is None:
        return None
    return awaiting_reply_since + timedelta(seconds=target_seconds)


def conversation_due_at(conversation):
    """The conversation's countdown end, by its shop's target (callers load the shop with it)."""
    return first_response_due_at(
        conversation.awaiting_reply_since, conversation.shop.first_response_target_seconds
    )


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def message_data(message) -> MessageData:
    return MessageData(
        id=message.pk,
        conversation_id=message.conversation_id,
        shop_id=message.shop_id,
        platform_message_id=message.platform_message_id,
        direction=message.direction,
        sender_kind=message.sender_kind,
        kind=message.kind,
        text=message.text,
        payload=message.payload,
        status=message.status,
        failure_code=message.failure_code,
        failure_reason=message.failure_reason,
        retryable=message_retryable(message),
        platform_created_at=_iso(message.platform_created_at),
        created_at=_iso(message.created_at) or "",
        language=message.language,
        intent=message.intent,
        intent_confidence=message.intent_confidence,
    )


def conversation_data(conversation) -> ConversationData:
    return ConversationData(
        id=conversation.pk,
        shop_id=conversation.shop_id,
        status=conversation.status,
        assignee_id=conversation.assignee_id,
        unread_count=conversation.unread_count,
        last_message_at=_iso(conversation.last_message_at),
        last_message_preview=conversation.last_message_preview,
        awaiting_reply_since=_iso(conversation.awaiting_reply_since),
        first_response_due_at=_iso(conversation_due_at(conversation)),
        buyer_name=conversation.buyer_name,
    )


def countdown_entry(conversation) -> CountdownEntry:
    return CountdownEntry(
        conversation_id=conversation.pk,
        shop_id=conversation.shop_id,
        awaiting_reply_since=_iso(conversation.awaiting_reply_since) or "",
        first_response_due_at=_iso(conversation_due_at(conversation)) or "",
    )
