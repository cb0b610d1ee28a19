"""The return sync's tasks: one return's ticket, and the periodic pull of every shop's returns."""

import logging
from contextlib import suppress

from celery import shared_task

from chat.services.pipeline.orders import returns_pull
from integrations.errors import RateLimited
from integrations.models import Shop
from integrations.services.tokens import ShopNotConnected
from tickets.services import TicketInvalid, ticket_from_return

logger = logging.getLogger(__name__)


@shared_task(name="tickets.ticket_from_return", ignore_result=True)
def ticket_from_return_task(buyer_return_id: int) -> None:
    try:
        ticket_from_return(buyer_return_id)
    except TicketInvalid as exc:  # e.g. the return_refund type deactivated: retrying won't help
        logger.warning("return %s made no ticket: %s", buyer_return_id, exc)


@shared_task(name="tickets.returns_pull")
def returns_pull_task() -> int:
    """Beat: one pull task per connected shop (a push lost on the way is caught up here)."""
    ids = list(
        Shop.objects.filter(status=Shop.Status.ACTIVE, token__isnull=False).values_list(
            "pk", flat=True
        )
    )
    for shop_id in ids:
        shop_returns_pull_task.delay(shop_id)
    return len(ids)


@shared_task(name="tickets.shop_returns_pull", ignore_result=True)
def shop_returns_pull_task(shop_id: int) -> None:
    # A shop being rate limited or needing re-auth is retried on the next beat.
    with suppress(RateLimited, ShopNotConnected):
        returns_pull(shop=Shop.objects.get(pk=shop_id))
