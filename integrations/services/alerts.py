"""Integration alerts: raised once per shop and kind until resolved."""

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.models import IntegrationAlert, Shop

logger = logging.getLogger(__name__)


def integration_alert_raise(*, shop: Shop, kind: str, message: str) -> IntegrationAlert:
    """Open an alert, or return the one already open for this shop and kind (no repeats)."""
    existing = IntegrationAlert.objects.filter(shop=shop, kind=kind, resolved_at__isnull=True)
    alert = existing.first()
    if alert is not None:
        return alert
    try:
        with transaction.atomic():
            alert = IntegrationAlert.objects.create(shop=shop, kind=kind, message=message)
    except IntegrityError:  # a concurrent caller opened it first
        return existing.get()
    logger.error("integration alert for shop %s: %s: %s", shop.pk, kind, message)
    return alert


def integration_alerts_resolve(*, shop: Shop, kinds: list[str]) -> int:
    return IntegrationAlert.objects.filter(
        shop=shop, kind__in=kinds, resolved_at__isnull=True
    ).update(resolved_at=timezone.now())
