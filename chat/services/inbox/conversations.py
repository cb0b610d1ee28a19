"""Agent actions on a conversation: read, assign or transfer, resolve, reopen.

Each one locks the row, checks, writes (assign, resolve and reopen through the state machine,
chat.services.state, which records their facts), and publishes `chat.conversation_updated` on commit
(through chat.services.publish, which also stores the LiveEvent for replay).
"""

import logging
from dataclasses import dataclass

from django.db import transaction

from chat.models import Conversation
from chat.selectors import message_latest_inbound
from chat.services.publish import conversation_event, conversation_publish, write_and_publish
from chat.services.state import (
    Change,
    conversation_assignee_changed,
    conversation_status_changed,
)
from integrations.adapters import get_adapter
from integrations.errors import AdapterError
from integrations.services.tokens import ShopNotConnected, shop_api_call

logger = logging.getLogger(__name__)

# status -> the statuses it may move to (helpdesk's STATUS_CHOICES_FLOW).
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    Conversation.Status.OPEN: {Conversation.Status.RESOLVED},
    Conversation.Status.RESOLVED: {Conversation.Status.OPEN},
}


class ConversationActionRefused(Exception):
    """The action does not apply to the conversation in its current state (APIs answer 409)."""


@dataclass(frozen=True)
class MarkReadResult:
    conversation: Conversation
    platform_synced: bool
    platform_error: str = ""


def _locked(conversation: Conversation) -> Conversation:
    return (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("shop")
        .get(pk=conversation.pk)
    )


def _publish(conversation: Conversation, change: Change) -> None:
    """The change's writes and its event in one round trip; its signals after the commit."""
    write_and_publish(
        shop_id=conversation.shop_id,
        writes=change.statements,
        events=[conversation_event(conversation=conversation)],
    )
    change.announce(conversation)


def conversation_status_set(*, conversation: Conversation, status: str, actor) -> Conversation:
    with transaction.atomic():
        conversation = _locked(conversation)
        if status not in ALLOWED_TRANSITIONS.get(conversation.status, set()):
            raise ConversationActionRefused(
                f"A conversation that is {conversation.status} cannot become {status}."
            )
        # Resolving also stops the first-response clock (the state machine's rule).
        change = conversation_status_changed(conversation, status=status, actor=actor)
        _publish(conversation, change)
    logger.info("conversation %s -> %s by user %s", conversation.pk, status, actor.pk)
    return conversation


def conversation_resolve(*, conversation: Conversation, actor) -> Conversation:
    return conversation_status_set(
        conversation=conversation, status=Conversation.Status.RESOLVED, actor=actor
    )


def conversation_reopen(*, conversation: Conversation, actor) -> Conversation:
    return conversation_status_set(
        conversation=conversation, status=Conversation.Status.OPEN, actor=actor
    )


def conversation_assign(*, conversation: Conversation, assignee, actor) -> Conversation:
    """Assign, transfer (another assignee) or unassign (None). The caller has checked that the
    assignee may see the shop (selectors.assignee_get_for_conversation)."""
    with transaction.atomic():
        conversation = _locked(conversation)
        new_id = assignee.pk if assignee is not None else None
        if conversation.assignee_id == new_id:
            return conversation  # idempotent: no event for a no-op
        change = conversation_assignee_changed(conversation, assignee=assignee, actor=actor)
        _publish(conversation, change)
    logger.info(
        "conversation %s assigned to %s by %s",
        conversation.pk,
        new_id,
        f"user {actor.pk}" if actor is not None else "routing",
    )
    return conversation


def conversation_group_set(*, conversation: Conversation, group) -> Conversation:
    """Move the conversation to another agent group's queue (the assignee is kept; routing
    decides whether to reassign). Idempotent."""
    with transaction.atomic():
        conversation = _locked(conversation)
        new_id = group.pk if group is not None else None
        if conversation.group_id == new_id:
            return conversation
        conversation.group = group
        conversation.save(update_fields=["group", "updated_at"])
        _publish(conversation, Change())
    logger.info("conversation %s moved to group %s", conversation.pk, new_id)
    return conversation


def conversation_mark_read(*, conversation: Conversation, actor) -> MarkReadResult:
    """Clear the unread count here, then tell the marketplace. The local state is what agents
    see, so a marketplace failure is reported back (not raised) and the count stays cleared."""
    with transaction.atomic():
        conversation = _locked(conversation)
        if conversation.unread_count:
            conversation.unread_count = 0
            conversation.save(update_fields=["unread_count", "updated_at"])
            conversation_publish(conversation=conversation)
    latest = message_latest_inbound(conversation=conversation)
    if latest is None:
        return MarkReadResult(conversation, platform_synced=True)
    try:
        adapter = get_adapter(conversation.shop.platform)
        shop_api_call(
            shop=conversation.shop,
            call=lambda auth: adapter.mark_read(
                auth,
                conversation_id=conversation.platform_conversation_id,
                last_message_id=latest.platform_message_id or "",
            ),
        )
    except ShopNotConnected as exc:
        return MarkReadResult(conversation, platform_synced=False, platform_error=exc.reason)
    except AdapterError as exc:
        logger.warning("mark_read of conversation %s failed: %s", conversation.pk, exc)
        return MarkReadResult(conversation, platform_synced=False, platform_error=str(exc))
    return MarkReadResult(conversation, platform_synced=True)


TAG_MAX_LENGTH = 32


def conversation_tags_add(*, conversation: Conversation, tags) -> Conversation:
    """Add short labels to the conversation (automation's rules); existing ones stay, in order.
    A no-op publishes nothing."""
    wanted = [t.strip()[:TAG_MAX_LENGTH] for t in tags if t and t.strip()]
    with transaction.atomic():
        conversation = _locked(conversation)
        merged = list(conversation.tags)
        merged += [t for t in dict.fromkeys(wanted) if t not in merged]
        if merged == list(conversation.tags):
            return conversation
        conversation.tags = merged
        conversation.save(update_fields=["tags", "updated_at"])
        conversation_publish(conversation=conversation)
    return conversation
