from datetime import timedelta
from zoneinfo import available_timezones

from django.conf import settings
from rest_framework import serializers

from chat.serializers import QueryIntegerField
from integrations.models import Platform, Site
from kpi.services.metrics import BUCKETS, DEFAULT_TZ, DIMENSIONS, SITE_TZ
from shopee_cs.api_input import MAX_ID, PatternField

FORMATS = ("json", "csv", "xlsx")
ZONES = [SITE_TZ, *sorted(available_timezones())]
DIMENSION_LIST = rf"({'|'.join(DIMENSIONS)})(,({'|'.join(DIMENSIONS)})){{0,4}}"


class ReportQuerySerializer(serializers.Serializer):
    locals()["from"] = serializers.DateField(help_text="First day (inclusive), in `tz`.")
    to = serializers.DateField(help_text="Last day (inclusive), in `tz`.")
    tz = serializers.ChoiceField(
        choices=ZONES,
        required=False,
        default=DEFAULT_TZ,
        help_text="An IANA time zone name for days and buckets, or `site` for each shop's "
        "site local day.",
    )
    shop = QueryIntegerField(required=False, min_value=1, max_value=MAX_ID)
    site = serializers.ChoiceField(choices=Site.choices, required=False)
    platform = serializers.ChoiceField(choices=Platform.choices, required=False)
    agent = QueryIntegerField(required=False, min_value=1, max_value=MAX_ID)
    group = QueryIntegerField(required=False, min_value=1, max_value=MAX_ID)
    format = serializers.ChoiceField(
        choices=FORMATS, required=False, help_text="json (default), csv or xlsx."
    )

    def validate(self, attrs):
        start, end = attrs["from"], attrs["to"]
        if end < start:
            raise serializers.ValidationError({"to": "Must not be before from."})
        if end - start > timedelta(days=settings.KPI_MAX_RANGE_DAYS - 1):
            raise serializers.ValidationError(
                {"to": f"The range is at most {settings.KPI_MAX_RANGE_DAYS} days."}
            )
        return attrs


class SummaryQuerySerializer(ReportQuerySerializer):
    group_by = PatternField(
        DIMENSION_LIST,
        f"Dimensions, comma-separated: {', '.join(DIMENSIONS)}.",
        required=False,
        help_text=f"Dimensions, comma-separated, among {', '.join(DIMENSIONS)}.",
    )

    def validate_group_by(self, value: str) -> list[str]:
        return list(dict.fromkeys(value.split(",")))


class TrendQuerySerializer(SummaryQuerySerializer):
    bucket = serializers.ChoiceField(choices=BUCKETS, required=False, default="day")


class ResponseRateQuerySerializer(ReportQuerySerializer):
    window_days = QueryIntegerField(
        required=False,
        min_value=1,
        max_value=180,
        default=90,
        help_text="Days of chats before the end of `to` (90 by default; some markets use 30).",
    )


class ReportTableSerializer(serializers.Serializer):
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(
        child=serializers.DictField(allow_null=True),
        help_text="One object per key; durations in milliseconds, rates 0–1.",
    )
    errors = serializers.DictField(
        child=serializers.CharField(),
        help_text="Metrics that failed or timed out (their columns are null); the others stand.",
    )
