"""Celery entry points: load ids, call one service. Queues come from CELERY_TASK_ROUTES."""

import logging
from contextlib import suppress

from celery import shared_task
from django.conf import settings

from chat.services.pipeline import housekeeping, inbound, outbox, reconcile
from integrations.adapters import platforms
from integrations.errors import RateLimited
from integrations.models import Shop
from integrations.services.tokens import ShopNotConnected

logger = logging.getLogger(__name__)


@shared_task(
    name="chat.inbound_event_process",
    autoretry_for=(inbound.Retry,),
    retry_backoff=2,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=10,
)
def inbound_event_process_task(event_id: int) -> None:
    inbound.inbound_event_process(event_id=event_id)


@shared_task(name="chat.inbound_events_sweep")
def inbound_events_sweep_task() -> int:
    """Beat: re-enqueue stored pushes whose processing task was lost."""
    ids = inbound.inbound_events_pending_ids()
    for event_id in ids:
        inbound_event_process_task.delay(event_id)
    return len(ids)


@shared_task(name="chat.outbound_delivery_send", bind=True, max_retries=None)
def outbound_delivery_send_task(self, delivery_id: int) -> None:
    outcome = outbox.outbound_delivery_send(
        delivery_id=delivery_id, attempt_token=self.request.id or ""
    )
    if outcome is None or outcome.retry_in is None:
        return
    # Retries and read-backs go to a queue of their own: behind a backlog of first sends in
    # `outbound` they would wait until it drained, whatever their countdown.
    queue = settings.OUTBOX_RETRY_QUEUE
    if outcome.delivery.status == outcome.delivery.Status.UNKNOWN:
        outbound_delivery_resolve_unknown_task.apply_async(
            (delivery_id,), countdown=outcome.retry_in, queue=queue
        )
    else:
        raise self.retry(countdown=outcome.retry_in, queue=queue)


@shared_task(name="chat.outbound_delivery_resolve_unknown")
def outbound_delivery_resolve_unknown_task(delivery_id: int) -> None:
    outbox.outbound_delivery_resolve_unknown(delivery_id=delivery_id)


@shared_task(name="chat.outbound_deliveries_sweep")
def outbound_deliveries_sweep_task() -> int:
    """Beat: the outbox row is the truth; re-enqueue what a lost task left behind."""
    due = outbox.outbound_deliveries_sweep()
    for delivery_id in due["pending"]:
        outbound_delivery_send_task.delay(delivery_id)
    for delivery_id in due["unknown"]:
        outbound_delivery_resolve_unknown_task.delay(delivery_id)
    return len(due["pending"]) + len(due["unknown"])


@shared_task(name="chat.shops_reconcile")
def shops_reconcile_task() -> int:
    """Beat: one reconciliation task per connected shop not in rate-limit backoff."""
    ids = reconcile.shops_due_for_reconcile()
    for shop_id in ids:
        shop_reconcile_task.delay(shop_id)
    return len(ids)


@shared_task(name="chat.shop_reconcile", ignore_result=True)
def shop_reconcile_task(shop_id: int) -> None:
    # Backoff is recorded on the shop's sync state, and a shop needing re-auth is alerted.
    with suppress(RateLimited, ShopNotConnected):
        reconcile.shop_reconcile(shop=Shop.objects.get(pk=shop_id))


@shared_task(name="chat.lost_pushes_drain")
def lost_pushes_drain_task() -> int:
    """Beat: drain the lost pushes of every registered platform that has a shop here (one
    platform failing does not keep the others from draining)."""
    connected = set(Shop.objects.order_by().values_list("platform", flat=True).distinct())
    drained, failed = 0, []
    for platform in platforms():
        if platform not in connected:
            continue
        try:
            drained += reconcile.lost_pushes_drain(platform=platform)
        except Exception as exc:
            logger.exception("lost pushes of %s could not be drained", platform)
            failed.append(exc)
    if failed:
        raise failed[0]
    return drained


@shared_task(name="chat.old_events_purge")
def old_events_purge_task() -> dict[str, int]:
    """Beat: retention of the inbound event log and the live events."""
    return housekeeping.old_events_purge()
