"""The reports REST API (mounted at /api/v1/reports/): JSON, CSV (?format=csv) or XLSX
(?format=xlsx). Thin: parse, scope to the caller's shops, run the metrics, respond."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotAcceptable
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from chat.selectors import visible_shop_ids
from kpi import serializers as s
from kpi.renderers import CsvRenderer, XlsxRenderer
from kpi.services.metrics import SITE_TZ, Filters, chat_response_rate
from kpi.services.reports import report_table, shops_matching, with_names

EXAMPLE_TABLE = OpenApiExample(
    "Per agent",
    value={
        "columns": ["agent", "agent_name", "frt_count", "frt_avg_ms", "attainment_rate"],
        "rows": [
            {
                "agent": 7,
                "agent_name": "alice",
                "frt_count": 3,
                "frt_avg_ms": 16040000.0,
                "attainment_rate": 0.33,
            }
        ],
        "errors": {},
    },
    response_only=True,
)
TABLE_RESPONSES = {
    (200, "application/json"): OpenApiResponse(s.ReportTableSerializer, examples=[EXAMPLE_TABLE]),
    (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The rows as CSV."),
    (200, XlsxRenderer.media_type): OpenApiResponse(
        OpenApiTypes.BINARY, description="The rows as a spreadsheet."
    ),
}


def bounds(day_from, day_to, tz: str) -> tuple[datetime, datetime]:
    """The UTC instants of a range of whole local days. With `site` (each shop's own day) the
    range is taken in UTC days (docs/metrics.md)."""
    zone = UTC if tz == SITE_TZ else ZoneInfo(tz)
    start = datetime.combine(day_from, time(), zone)
    end = datetime.combine(day_to + timedelta(days=1), time(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


class ReportApi(APIView):
    required_scopes = ["reports:read"]
    renderer_classes = [JSONRenderer, CsvRenderer, XlsxRenderer]
    query_serializer = s.SummaryQuerySerializer
    name_of = "summary"
    group_by: tuple[str, ...] | None = None  # fixed by the endpoint, else from the query

    def query(self, request) -> dict:
        serializer = self.query_serializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def filters(self, request, query: dict, **extra) -> Filters:
        visible = visible_shop_ids(request.user)
        shop_ids = visible
        if "shop" in query:
            shop_ids = [query["shop"]] if visible is None or query["shop"] in visible else []
        start, end = bounds(query["from"], query["to"], query["tz"])
        return Filters(
            start,
            end,
            shop_ids=shop_ids,
            sites=[query["site"]] if "site" in query else (),
            platforms=[query["platform"]] if "platform" in query else (),
            agent_ids=[query["agent"]] if "agent" in query else (),
            group_ids=[query["group"]] if "group" in query else (),
            group_by=self.group_by if self.group_by is not None else query.get("group_by", ()),
            tz=query["tz"],
            **extra,
        )

    def table(self, request, **extra) -> Response:
        query = self.query(request)
        table = with_names(report_table(self.filters(request, query, **extra)))
        self.filename = f"{self.name_of}-{query['from']}-{query['to']}"
        return Response({"columns": table.columns, "rows": table.rows, "errors": table.errors})

    def perform_content_negotiation(self, request, force=False):
        try:
            return super().perform_content_negotiation(request, force)
        except (Http404, NotAcceptable):  # an unknown ?format= is the serializer's 400
            return JSONRenderer(), JSONRenderer.media_type

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code >= 400:  # errors are always JSON, whatever format was asked
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
            response["Content-Type"] = JSONRenderer.media_type
        elif getattr(response.accepted_renderer, "format", "json") != "json":
            extension = response.accepted_renderer.format
            response["Content-Disposition"] = (
                f'attachment; filename="{getattr(self, "filename", "report")}.{extension}"'
            )
        return response


class SummaryApi(ReportApi):
    """Every metric for the period, in total or by the dimensions of `group_by`."""

    @extend_schema(
        operation_id="report_summary",
        parameters=[s.SummaryQuerySerializer],
        responses=TABLE_RESPONSES,
    )
    def get(self, request):
        return self.table(request)


class AgentsApi(ReportApi):
    """One row per agent (replies, resolves; outside replies under a null agent)."""

    query_serializer = s.ReportQuerySerializer
    name_of, group_by = "agents", ("agent",)

    @extend_schema(
        operation_id="report_agents",
        parameters=[s.ReportQuerySerializer],
        responses=TABLE_RESPONSES,
    )
    def get(self, request):
        return self.table(request)


class ShopsApi(ReportApi):
    """One row per shop, with its site and platform."""

    query_serializer = s.ReportQuerySerializer
    name_of, group_by = "shops", ("shop", "site", "platform")

    @extend_schema(
        operation_id="report_shops", parameters=[s.ReportQuerySerializer], responses=TABLE_RESPONSES
    )
    def get(self, request):
        return self.table(request)


class TrendApi(ReportApi):
    """One row per day, week or month (`bucket`) in `tz`, optionally by dimensions."""

    query_serializer = s.TrendQuerySerializer
    name_of = "trend"

    @extend_schema(
        operation_id="report_trend", parameters=[s.TrendQuerySerializer], responses=TABLE_RESPONSES
    )
    def get(self, request):
        query = self.query(request)
        return self.table(request, bucket=query["bucket"])


class ResponseRateApi(ReportApi):
    """The marketplace-compatible chat response rate per shop, over `window_days` ending with
    `to` (the range's `from` is not used)."""

    query_serializer = s.ResponseRateQuerySerializer
    name_of, group_by = "response-rate", ()

    @extend_schema(
        operation_id="report_response_rate",
        parameters=[s.ResponseRateQuerySerializer],
        responses=TABLE_RESPONSES,
    )
    def get(self, request):
        query = self.query(request)
        filters = self.filters(request, query)
        shop_ids = shops_matching(filters)
        rates = chat_response_rate(
            shop_ids=shop_ids, end=filters.end, window_days=query["window_days"]
        )
        columns = ["shop", "chats", "answered", "latest_chats", "latest_answered", "rate"]
        rows = [{"shop": shop_id, **values} for shop_id, values in rates.items()]
        self.filename = f"{self.name_of}-{query['to']}"
        return Response({"columns": columns, "rows": rows, "errors": {}})
