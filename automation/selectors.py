"""Reads for automation's interfaces, scoped like chat's (a conversation the user may see)."""

from django.db.models import Q, QuerySet

from automation.models import ReplyTemplate
from chat.models import Conversation, Message


def template_list_for_conversation(*, conversation: Conversation) -> QuerySet[ReplyTemplate]:
    """The active templates offered in this conversation: global ones and the shop's own, for
    any site or the shop's. Call with a conversation from conversation_get_for_user, so the
    user's scope holds (another group's shop templates are never offered)."""
    shop = conversation.shop
    return (
        ReplyTemplate.objects.filter(is_active=True)
        .filter(Q(shop__isnull=True) | Q(shop=shop))
        .filter(Q(site="") | Q(site=shop.site))
        .prefetch_related("variants")
        .order_by("title", "id")
    )


def buyer_language_for_conversation(*, conversation: Conversation) -> str:
    """The language detected on the buyer's latest message that has one ("" if none)."""
    return (
        Message.objects.filter(conversation=conversation, direction=Message.Direction.INBOUND)
        .exclude(language="")
        .order_by("-id")
        .values_list("language", flat=True)
        .first()
        or ""
    )
