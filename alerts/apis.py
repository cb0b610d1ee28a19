"""The alerts REST API (mounted at /api/v1/alerts/): the caller's alerts and acknowledging one.
Thin, like tickets.apis: parse, read through a selector, call one service, respond. Another
group's alert answers 404, as a missing one."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from alerts import serializers as s
from alerts.models import Alert
from alerts.selectors import (
    AlertFilters,
    alert_get_for_user,
    alert_page_for_user,
    alert_unacknowledged_count,
)
from alerts.services.acknowledge import alert_acknowledge
from chat.selectors import BadCursor
from chat.serializers import ErrorSerializer


class AlertListApi(APIView):
    """The alerts of the caller's groups (their shops', and their groups' own), newest first,
    keyset-paginated (`next_cursor`), with how many are not acknowledged yet (the bell)."""

    required_scopes = ["alerts:read"]

    @extend_schema(
        operation_id="alert_list",
        parameters=[s.AlertListQuerySerializer],
        responses={200: s.AlertPageSerializer, 400: ErrorSerializer},
    )
    def get(self, request):
        query = s.AlertListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        filters = AlertFilters(
            kind=q.get("kind", ""), unacknowledged=q["unacknowledged"], mine=q["mine"]
        )
        try:
            rows, next_cursor = alert_page_for_user(
                user=request.user, filters=filters, cursor=q.get("cursor"), size=q["page_size"]
            )
        except BadCursor as exc:
            raise ValidationError({"cursor": [str(exc)]}) from None
        user_id = request.user.pk
        return Response(
            {
                "results": [s.AlertSerializer(s.alert_row(a, user_id=user_id)).data for a in rows],
                "next_cursor": next_cursor,
                "unacknowledged_count": alert_unacknowledged_count(user=request.user),
            }
        )


class AlertAcknowledgeApi(APIView):
    """Mark the alert seen. Idempotent: acknowledging it again keeps the first time."""

    required_scopes = ["alerts:write"]

    @extend_schema(
        operation_id="alert_acknowledge",
        request=None,
        responses={200: s.AlertSerializer, 404: ErrorSerializer},
    )
    def post(self, request, alert_id: int):
        try:
            alert = alert_get_for_user(user=request.user, alert_id=alert_id)
        except Alert.DoesNotExist:
            raise Http404 from None  # another group's alert looks exactly like a missing one
        alert = alert_acknowledge(alert=alert)
        return Response(s.AlertSerializer(s.alert_row(alert, user_id=request.user.pk)).data)
