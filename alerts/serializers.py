"""DRF serializers of the alerts API (alerts.apis)."""

from rest_framework import serializers

from alerts.models import Alert
from chat.serializers import QueryIntegerField


class DeliverySummarySerializer(serializers.Serializer):
    delivered = serializers.IntegerField()
    pending = serializers.IntegerField()
    failed = serializers.IntegerField()


class AlertSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Alert.Kind.choices)
    title = serializers.CharField()
    text = serializers.CharField(help_text="One markdown line, as the robots get it.")
    shop_id = serializers.IntegerField(allow_null=True)
    group_id = serializers.IntegerField()
    conversation_id = serializers.IntegerField(allow_null=True)
    ticket_id = serializers.IntegerField(allow_null=True)
    mention_user_ids = serializers.ListField(child=serializers.IntegerField())
    mentions_me = serializers.BooleanField(help_text="The caller is among the mentioned users.")
    due_at = serializers.DateTimeField(help_text="When the threshold was reached.")
    raised_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    deliveries = DeliverySummarySerializer(help_text="Its deliveries to the group's robots.")


class AlertPageSerializer(serializers.Serializer):
    results = AlertSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)
    unacknowledged_count = serializers.IntegerField(
        help_text="The caller's alerts not acknowledged yet (all of them, not just this page's)."
    )


# As in the other lists: an empty value (`?kind=`) means the parameter is not set.
class AlertListQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Alert.Kind.choices, required=False, allow_blank=True)
    unacknowledged = serializers.BooleanField(
        required=False, default=False, help_text="Only alerts nobody has acknowledged yet."
    )
    mine = serializers.BooleanField(
        required=False, default=False, help_text="Only alerts that mention the caller."
    )
    cursor = serializers.CharField(required=False, allow_blank=True, max_length=200)
    page_size = QueryIntegerField(required=False, default=50, min_value=1, max_value=100)


def alert_row(alert: Alert, *, user_id: int) -> dict:
    """An alert as the API shows it; `alert` carries the selector's delivery counts when it
    came from a page, else they are counted here."""
    if hasattr(alert, "deliveries_delivered"):
        counts = {
            "delivered": alert.deliveries_delivered,
            "pending": alert.deliveries_pending,
            "failed": alert.deliveries_failed,
        }
    else:
        counts = {"delivered": 0, "pending": 0, "failed": 0}
        for status in alert.deliveries.values_list("status", flat=True):
            counts[status] += 1
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "title": alert.title,
        "text": alert.text,
        "shop_id": alert.shop_id,
        "group_id": alert.group_id,
        "conversation_id": alert.conversation_id,
        "ticket_id": alert.ticket_id,
        "mention_user_ids": alert.mention_user_ids,
        "mentions_me": user_id in alert.mention_user_ids,
        "due_at": alert.due_at,
        "raised_at": alert.raised_at,
        "acknowledged_at": alert.acknowledged_at,
        "deliveries": counts,
    }
