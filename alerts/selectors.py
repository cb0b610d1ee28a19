"""The only reads of alerts for the API and the console: an alert of a shop is seen by whoever
sees the shop (chat's scope); one without a shop (a group's digest, say) by its group's members
and admins. Another group's alert is indistinguishable from a missing one."""

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from alerts.models import Alert, AlertDelivery
from chat.models import AgentGroup
from chat.selectors import cursor_decode, cursor_encode, visible_shop_ids


@dataclass(frozen=True)
class AlertFilters:
    kind: str = ""
    unacknowledged: bool = False
    mine: bool = False


def alert_list_for_user(*, user: Any) -> QuerySet[Alert]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Alert.objects.none()
    visible = visible_shop_ids(user)
    if visible is None:
        return Alert.objects.all()
    # A subquery, not a join over the members: a join would repeat each alert per member.
    own_groups = AgentGroup.objects.filter(members=user.pk).values("pk")
    return Alert.objects.filter(Q(shop_id__in=visible) | Q(shop__isnull=True, group__in=own_groups))


def alert_get_for_user(*, user: Any, alert_id: int) -> Alert:
    """Raises Alert.DoesNotExist for an alert outside the user's scope (the API answers 404)."""
    return alert_list_for_user(user=user).get(pk=alert_id)


def _delivery_counts() -> dict:
    status = AlertDelivery.Status
    return {
        f"deliveries_{s}": Count("deliveries", filter=Q(deliveries__status=s))
        for s in (status.DELIVERED, status.PENDING, status.FAILED)
    }


def alert_page_for_user(
    *, user: Any, filters: AlertFilters | None = None, cursor: str | None, size: int
) -> tuple[list[Alert], str | None]:
    """One page of the user's alerts, newest first, each with its delivery counts
    (`deliveries_delivered`, `_pending`, `_failed`), and the next page's cursor or None.
    Raises chat.selectors.BadCursor."""
    filters = filters or AlertFilters()
    qs = alert_list_for_user(user=user)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.unacknowledged:
        qs = qs.filter(acknowledged_at__isnull=True)
    if filters.mine:
        qs = qs.filter(mention_user_ids__contains=[user.pk])
    if cursor:
        at, pk = cursor_decode(cursor)
        qs = qs.filter(Q(raised_at__lt=at) | Q(raised_at=at, pk__lt=pk))
    rows = list(qs.annotate(**_delivery_counts()).order_by("-raised_at", "-id")[: size + 1])
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    return rows, cursor_encode(rows[-1].raised_at, rows[-1].pk)


def alert_unacknowledged_count(*, user: Any) -> int:
    """The console's bell: the user's alerts nobody has acknowledged yet."""
    return alert_list_for_user(user=user).filter(acknowledged_at__isnull=True).count()
