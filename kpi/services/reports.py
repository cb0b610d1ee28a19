"""Flat report tables for the API and the dashboard: the metrics of kpi.services.metrics,
merged on their shared dimensions into one row per key, each metric's columns prefixed by a
short name. A metric that failed leaves its columns empty and names itself in `errors`."""

from dataclasses import dataclass, field

from integrations.models import Shop
from kpi.services.metrics import Filters, report
from shopee_cs.models import User

# metric -> (column prefix, the metric's columns shown)
TABLE: dict[str, tuple[str, tuple[str, ...]]] = {
    "first_response_time": ("frt", ("count", "avg_ms", "median_ms", "p90_ms")),
    "first_response_attainment": ("attainment", ("within", "rate")),
    "reply_time": ("reply", ("count", "avg_ms", "median_ms", "p90_ms")),
    "reply_rate": ("reply_rate", ("waits", "replied", "rate")),
    "conversation_resolution": ("resolution", ("opened", "resolved", "rate", "avg_ms")),
    "ticket_resolution": ("tickets", ("created", "resolved", "rate", "avg_ms")),
    "auto_replies": ("auto", ("auto_replies", "seller_messages", "share", "avg_ms")),
    "delivery_latency": ("delivery", ("count", "p50_ms", "p95_ms", "target_p95_ms")),
}
# The agent dimension of tickets is their assignee, of delivery the sender; both still apply.


@dataclass
class Table:
    columns: list[str]
    rows: list[dict]
    errors: dict[str, str] = field(default_factory=dict)


def report_table(filters: Filters, metrics: tuple[str, ...] = tuple(TABLE)) -> Table:
    keys = list(filters.group_by) + (["period"] if filters.bucket else [])
    columns = list(keys)
    merged: dict[tuple, dict] = {}
    errors = {}
    for name, result in report(filters, metrics).items():
        prefix, shown = TABLE[name]
        columns += [f"{prefix}_{c}" for c in shown]
        if "error" in result:
            errors[name] = result["error"]
            continue
        for row in result["rows"]:
            key = tuple(row[k] for k in keys)
            target = merged.setdefault(key, {k: row[k] for k in keys})
            target.update({f"{prefix}_{c}": row.get(c) for c in shown})
    rows = [
        {c: row.get(c) for c in columns}
        for _, row in sorted(merged.items(), key=lambda item: tuple(map(_sortable, item[0])))
    ]
    return Table(columns, rows, errors)


def _sortable(value) -> tuple:
    return (value is None, str(value) if value is not None else "")


def shops_matching(filters: Filters) -> list[int]:
    """The shops a filter names (scope, site, platform)."""
    shops = Shop.objects.order_by("pk")
    if filters.shop_ids is not None:
        shops = shops.filter(pk__in=filters.shop_ids)
    if filters.sites:
        shops = shops.filter(site__in=filters.sites)
    if filters.platforms:
        shops = shops.filter(platform__in=filters.platforms)
    return list(shops.values_list("pk", flat=True))


def with_names(table: Table) -> Table:
    """Agent and shop names beside their ids (one query each)."""
    for key, model, label in (("agent", User, "username"), ("shop", Shop, "name")):
        if key not in table.columns:
            continue
        ids = {row[key] for row in table.rows if row[key] is not None}
        names = dict(model.objects.filter(pk__in=ids).values_list("pk", label))
        at = table.columns.index(key) + 1
        table.columns.insert(at, f"{key}_name")
        table.rows = [
            {
                **{c: row.get(c) for c in table.columns[:at]},
                f"{key}_name": names.get(row[key]),
                **{c: row.get(c) for c in table.columns[at + 1 :]},
            }
            for row in table.rows
        ]
    return table
