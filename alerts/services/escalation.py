"""On a first-response breach the group lead is mentioned (in the alert itself) and a
conversation nobody holds is handed to an available agent through automation's routing. One
that an agent holds stays theirs here: routing's own reassign-after timer moves it."""

import logging

from alerts.models import Alert, GroupAlertPolicy
from automation.services.routing import conversation_route
from chat.models import Conversation

logger = logging.getLogger(__name__)


def breaches_escalate(alerts: list[Alert]) -> int:
    """Route the unassigned conversations of new breach alerts; returns how many were routed."""
    breaches = [a for a in alerts if a.kind == Alert.Kind.FIRST_RESPONSE_BREACH]
    if not breaches:
        return 0
    off = set(
        GroupAlertPolicy.objects.filter(
            group__in={a.group_id for a in breaches}, reassign_on_breach=False
        ).values_list("group_id", flat=True)
    )
    routed = 0
    conversations = Conversation.objects.filter(
        pk__in=[a.conversation_id for a in breaches if a.group_id not in off],
        assignee__isnull=True,
        awaiting_reply_since__isnull=False,
    ).select_related("shop", "group")
    for conversation in conversations:
        try:
            if conversation_route(conversation=conversation, reason="first_response_breach"):
                routed += 1
        except Exception:  # one conversation's routing must not stop the scan
            logger.exception("routing conversation %s on breach failed", conversation.pk)
    return routed
