"""Acknowledging an alert: someone has seen it. Once: a second acknowledgement keeps the first
time, so two agents clicking at once both succeed and the time is the earlier one."""

from django.db import transaction
from django.utils import timezone

from alerts.models import Alert
from chat.services.publish import live_event_publish


def alert_acknowledge(*, alert: Alert) -> Alert:
    """Sets `acknowledged_at` if it is not set yet (idempotent) and tells the consoles of the
    alert's shop, so their bells count it out; returns the alert as stored."""
    with transaction.atomic():
        now = timezone.now()
        changed = Alert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now
        )
        alert.refresh_from_db(fields=["acknowledged_at"])
        if changed and alert.shop_id is not None:
            live_event_publish(
                shop_id=alert.shop_id,
                event={
                    "type": "alerts.alert_acknowledged",
                    "alert_id": alert.pk,
                    "shop_id": alert.shop_id,
                    "acknowledged_at": alert.acknowledged_at.isoformat(),
                },
            )
    return alert
