"""Routing: who should answer a conversation.

INTERFACE (stable): `conversation_route`."""


def conversation_route(*, conversation, group=None, reason: str = ""):
    """Hand the conversation to a human: assign it to the least-loaded available agent of
    `group` (default: the conversation's group), or leave it waiting in the group's queue when
    nobody is available. Returns the assignee or None. Placeholder: moves the group only."""
    from chat.models import Conversation

    if group is not None and conversation.group_id != group.pk:
        Conversation.objects.filter(pk=conversation.pk).update(group=group)
        conversation.group = group
    return None
