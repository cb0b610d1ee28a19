"""Retention: processed pushes and old live events are deleted; parked and pending pushes,
and everything recent, are kept."""

from datetime import timedelta

import pytest
from django.utils import timezone

from chat.models import InboundEvent, LiveEvent
from chat.services.pipeline import housekeeping
from tests.factories import ShopFactory

pytestmark = pytest.mark.django_db


def _inbound(key: str, status: str, age: timedelta) -> InboundEvent:
    event = InboundEvent.objects.create(platform="shopee", dedup_key=key, status=status)
    InboundEvent.objects.filter(pk=event.pk).update(received_at=timezone.now() - age)
    return event


def test_processed_pushes_past_retention_are_deleted_and_the_rest_kept(settings, monkeypatch):
    settings.INBOUND_EVENT_RETENTION_DAYS = 30
    monkeypatch.setattr(housekeeping, "DELETE_BATCH", 2)  # several batches
    old = timedelta(days=31)
    for n in range(5):
        _inbound(f"old-{n}", InboundEvent.Status.PROCESSED, old)
    kept = {
        _inbound("parked", InboundEvent.Status.PARKED, old).pk,
        _inbound("pending", InboundEvent.Status.PENDING, old).pk,
        _inbound("recent", InboundEvent.Status.PROCESSED, timedelta(days=29)).pk,
    }

    assert housekeeping.old_events_purge()["inbound_events"] == 5

    assert set(InboundEvent.objects.values_list("pk", flat=True)) == kept


def test_live_events_past_retention_are_deleted(settings):
    settings.LIVE_EVENT_RETENTION_HOURS = 48
    shop = ShopFactory()
    events = [LiveEvent.objects.create(shop=shop, type="chat.x", payload={}) for _ in range(3)]
    LiveEvent.objects.filter(pk=events[0].pk).update(
        created_at=timezone.now() - timedelta(hours=49)
    )

    assert housekeeping.old_events_purge() == {"inbound_events": 0, "live_events": 1}

    assert list(LiveEvent.objects.order_by("id").values_list("pk", flat=True)) == [
        events[1].pk,
        events[2].pk,
    ]


def test_beat_runs_the_purge_task_hourly(settings):
    from chat.tasks import old_events_purge_task

    entry = settings.CELERY_BEAT_SCHEDULE["old-events-purge"]
    assert (entry["task"], entry["schedule"]) == (old_events_purge_task.name, 3600.0)
