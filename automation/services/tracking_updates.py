"""Proactive tracking messages: off by default. The marketplace forbids unsolicited order
updates, so a shop must opt in (ShopAutomation.proactive_tracking_updates); then each new
tracking status of a buyer's order sends the shop's tracking template once, as an auto-reply
under the usual send rules."""

import logging

from django.db import IntegrityError, transaction

from automation.models import ShopAutomation, TrackingUpdate
from automation.services.templates import template_context_fetch, template_render
from chat.models import BuyerOrder, Conversation, Message
from chat.services.pipeline.outbox import message_send_reply

logger = logging.getLogger(__name__)


def tracking_update_notify(*, order_id: int) -> TrackingUpdate | None:
    order = BuyerOrder.objects.select_related("shop").filter(pk=order_id).first()
    if order is None or not order.tracking_number:
        return None
    choice = (
        ShopAutomation.objects.select_related("tracking_template")
        .filter(shop_id=order.shop_id, proactive_tracking_updates=True)
        .first()
    )
    if choice is None or choice.tracking_template is None:
        return None  # not opted in: nothing unsolicited
    conversation = (
        Conversation.objects.select_related("shop")
        .filter(shop_id=order.shop_id, buyer_platform_id=order.buyer_platform_id)
        .order_by("-last_message_at", "-id")
        .first()
    )
    if conversation is None:
        return None  # the buyer never wrote: the shop cannot start a chat
    if TrackingUpdate.objects.filter(
        shop_id=order.shop_id,
        order_ref=order.order_ref,
        tracking_status_code=order.tracking_status_code,
    ).exists():
        return None
    context = template_context_fetch(conversation=conversation)  # before any transaction
    rendered = template_render(
        template=choice.tracking_template,
        conversation=conversation,
        buyer_language=_buyer_language(conversation),
        context=context,
    )
    try:
        with transaction.atomic():
            update = TrackingUpdate.objects.create(
                shop_id=order.shop_id,
                order_ref=order.order_ref,
                tracking_status_code=order.tracking_status_code,
            )
            update.reply, _ = message_send_reply(
                conversation=conversation,
                user=None,
                text=rendered.text,
                sender_kind=Message.SenderKind.AUTO,
            )
            update.save(update_fields=["reply"])
    except IntegrityError:
        return None  # the same status, sent by another worker
    return update


def _buyer_language(conversation: Conversation) -> str:
    """The language the buyer last wrote in (detected on their messages)."""
    return (
        Message.objects.filter(conversation=conversation, direction=Message.Direction.INBOUND)
        .exclude(language="")
        .order_by("-created_at", "-id")
        .values_list("language", flat=True)
        .first()
        or ""
    )
