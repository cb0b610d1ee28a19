"""Retention of the two logs that grow with every push: the inbound event log and the live
events kept for socket replay. Messages, conversations and parked events are never removed
here: a parked event stays until a person has dealt with it."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from chat.models import InboundEvent, LiveEvent

DELETE_BATCH = 5000  # rows per statement: short locks, and the log's writers keep going


def _delete_in_batches(queryset: models.QuerySet) -> int:
    deleted = 0
    while ids := list(queryset.values_list("pk", flat=True)[:DELETE_BATCH]):
        deleted += queryset.model.objects.filter(pk__in=ids).delete()[0]
    return deleted


def old_events_purge() -> dict[str, int]:
    """Delete processed inbound events older than INBOUND_EVENT_RETENTION_DAYS and live events
    older than LIVE_EVENT_RETENTION_HOURS. A socket resuming from before the oldest kept live
    event is asked to resync (chat.consumers)."""
    now = timezone.now()
    inbound_cutoff = now - timedelta(days=settings.INBOUND_EVENT_RETENTION_DAYS)
    live_cutoff = now - timedelta(hours=settings.LIVE_EVENT_RETENTION_HOURS)
    return {
        "inbound_events": _delete_in_batches(
            InboundEvent.objects.filter(
                status=InboundEvent.Status.PROCESSED, received_at__lt=inbound_cutoff
            )
        ),
        "live_events": _delete_in_batches(LiveEvent.objects.filter(created_at__lt=live_cutoff)),
    }
