"""The metrics of docs/metrics.md, each one SQL aggregate (never a loop over rows).

Every metric takes the same `Filters` (period, scope, dimensions, buckets, time zone) and
returns a list of rows (dicts): the chosen dimensions and the metric's columns. `report` runs
several, each in its own savepoint with its own statement timeout, so one that fails or times
out returns its error while the others still return.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import available_timezones

from django.conf import settings
from django.db import DatabaseError, connection, transaction

from chat.models import ConversationFact, Message
from integrations.models import SITE_TIME_ZONES, Shop
from tickets.models import Ticket

FACTS = ConversationFact._meta.db_table
SHOPS = Shop._meta.db_table
MESSAGES = Message._meta.db_table
TICKETS = Ticket._meta.db_table
CONVERSATIONS = ConversationFact._meta.get_field("conversation").related_model._meta.db_table

DIMENSIONS = ("shop", "site", "platform", "agent", "group")
BUCKETS = ("day", "week", "month")
SITE_TZ = "site"  # each shop's site local day
DEFAULT_TZ = settings.REPORT_TIME_ZONE  # Asia/Shanghai unless configured
HUMAN_REPLIES = (ConversationFact.Kind.AGENT_REPLY, ConversationFact.Kind.OUTSIDE_REPLY)


@dataclass(frozen=True)
class Filters:
    """What a report asks for. `start` inclusive, `end` exclusive (aware datetimes);
    `shop_ids` None means every shop (callers scope it to what the user may see)."""

    start: datetime
    end: datetime
    shop_ids: Sequence[int] | None = None
    sites: Sequence[str] = ()
    platforms: Sequence[str] = ()
    agent_ids: Sequence[int] = ()
    group_ids: Sequence[int] = ()
    group_by: Sequence[str] = ()
    bucket: str | None = None
    tz: str = DEFAULT_TZ

    def __post_init__(self):
        for dimension in self.group_by:
            if dimension not in DIMENSIONS:
                raise ValueError(f"unknown dimension {dimension!r}")
        if self.bucket is not None and self.bucket not in BUCKETS:
            raise ValueError(f"unknown bucket {self.bucket!r}")
        if self.tz != SITE_TZ and self.tz not in available_timezones():
            raise ValueError(f"unknown time zone {self.tz!r}")
        if self.end <= self.start:
            raise ValueError("end must be after start")


def local_zone_sql() -> str:
    """The zone of each shop's site, as SQL over the shop row `s`."""
    cases = " ".join(f"WHEN '{site}' THEN '{zone}'" for site, zone in SITE_TIME_ZONES.items())
    return f"(CASE s.site {cases} END)"


class _Sql:
    """The shared parts of a metric's statement: dimension columns, bucket, scope filters."""

    def __init__(self, filters: Filters, *, time_col: str, agent_col: str, group_col: str):
        self.f, self.time_col = filters, time_col
        self.params: dict = {"start": filters.start, "end": filters.end}
        columns = {
            "shop": ("s.id", "shop"),
            "site": ("s.site", "site"),
            "platform": ("s.platform", "platform"),
            "agent": (agent_col, "agent"),
            "group": (group_col, "group"),
        }
        self.dims = [columns[d] for d in filters.group_by]
        if filters.bucket:
            zone = local_zone_sql() if filters.tz == SITE_TZ else "%(tz)s"
            self.params.update(tz=filters.tz, bucket=filters.bucket)
            self.dims.append(
                (f"date_trunc(%(bucket)s, {time_col} AT TIME ZONE {zone})::date", "period")
            )
        self.where = [f"{time_col} >= %(start)s", f"{time_col} < %(end)s"]
        scope = (
            ("s.id", "shop_ids", filters.shop_ids),
            ("s.site", "sites", filters.sites or None),
            ("s.platform", "platforms", filters.platforms or None),
            (agent_col, "agent_ids", filters.agent_ids or None),
            (group_col, "group_ids", filters.group_ids or None),
        )
        for column, name, values in scope:
            if values is not None:
                self.where.append(f"{column} = ANY(%({name})s)")
                self.params[name] = list(values)

    def select(self, aggregates: str, source: str, extra_where: Sequence[str] = ()) -> str:
        dims = ", ".join(f'{expr} AS "{name}"' for expr, name in self.dims)
        group = ", ".join(str(i + 1) for i in range(len(self.dims)))
        where = " AND ".join([*self.where, *extra_where])
        head = f"{dims}, " if dims else ""
        tail = f" GROUP BY {group} ORDER BY {group}" if group else ""
        return f"SELECT {head}{aggregates} FROM {source} WHERE {where}{tail}"  # noqa: S608 (ours)


def _fetch(sql: str, params: dict) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c.name for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _facts(filters: Filters) -> _Sql:
    return _Sql(filters, time_col="f.occurred_at", agent_col="f.agent_id", group_col="f.group_id")


FACTS_SOURCE = f"{FACTS} f JOIN {SHOPS} s ON s.id = f.shop_id"
DURATION_MS = (
    "count({v}) AS count, avg({v})::float AS avg_ms, "
    "percentile_cont(0.5) WITHIN GROUP (ORDER BY {v}) AS median_ms, "
    "percentile_cont(0.9) WITHIN GROUP (ORDER BY {v}) AS p90_ms"
)
REPLY_KINDS = "f.kind IN ('agent_reply', 'outside_reply')"


def first_response_time(filters: Filters) -> list[dict]:
    q = _facts(filters)
    aggregates = DURATION_MS.format(v="f.wait_ms")
    return _fetch(
        q.select(
            aggregates, FACTS_SOURCE, [REPLY_KINDS, "f.first_response", "f.wait_ms IS NOT NULL"]
        ),
        q.params,
    )


def first_response_attainment(filters: Filters) -> list[dict]:
    q = _facts(filters)
    aggregates = (
        "count(*) AS count, "
        "count(*) FILTER (WHERE f.wait_ms <= s.first_response_target_seconds * 1000) AS within, "
        "(count(*) FILTER (WHERE f.wait_ms <= s.first_response_target_seconds * 1000))::float"
        " / nullif(count(*), 0) AS rate"
    )
    return _fetch(
        q.select(
            aggregates, FACTS_SOURCE, [REPLY_KINDS, "f.first_response", "f.wait_ms IS NOT NULL"]
        ),
        q.params,
    )


def reply_time(filters: Filters) -> list[dict]:
    q = _facts(filters)
    aggregates = DURATION_MS.format(v="f.wait_ms")
    return _fetch(
        q.select(aggregates, FACTS_SOURCE, [REPLY_KINDS, "f.wait_ms IS NOT NULL"]), q.params
    )


# The human reply that ended a wait `f` (a starts_wait buyer message): same conversation, and its
# wait_ms points back at f's time (wait_ms is whole milliseconds, so within one).
ANSWER_OF_WAIT = f"""LEFT JOIN LATERAL (
    SELECT r.wait_ms FROM {FACTS} r
    WHERE r.conversation_id = f.conversation_id AND r.kind IN ('agent_reply', 'outside_reply')
      AND r.wait_ms IS NOT NULL AND r.occurred_at >= f.occurred_at
      AND r.occurred_at - r.wait_ms * interval '1 millisecond' - f.occurred_at
          BETWEEN interval '0' AND interval '1 millisecond'
    ORDER BY r.occurred_at LIMIT 1) a ON true"""  # noqa: S608 (table names only; values are parameters)
WAITS = "f.kind = 'buyer_message' AND f.starts_wait"


def reply_rate(filters: Filters) -> list[dict]:
    q = _facts(filters)
    aggregates = (
        "count(*) AS waits, count(a.wait_ms) AS replied, "
        "count(a.wait_ms)::float / nullif(count(*), 0) AS rate"
    )
    return _fetch(q.select(aggregates, f"{FACTS_SOURCE} {ANSWER_OF_WAIT}", [WAITS]), q.params)


def chat_response_rate(
    *,
    shop_ids: Sequence[int],
    start: datetime | None = None,
    end: datetime,
    window_days: int = 90,
    answer_within: timedelta = timedelta(hours=12),
    latest_share: float = 0.25,
    latest_weight: float = 0.5,
    now: datetime | None = None,
) -> dict[int, dict]:
    """The marketplace-compatible chat response rate per shop (docs/metrics.md): chats (waits)
    received in [start, end) — start defaults to end − window_days — answered by a human within
    `answer_within`; half the weight on the latest quarter. Returns {shop_id: {"chats",
    "answered", "latest_chats", "latest_answered", "rate"}} for every shop asked, "rate" None
    under 2 chats."""
    start = start or end - timedelta(days=window_days)
    now = now or datetime.now(end.tzinfo)
    sql = f"""
        WITH chats AS (
            SELECT f.shop_id, f.occurred_at,
                   (a.wait_ms IS NOT NULL AND a.wait_ms <= %(within_ms)s) AS answered
            FROM {FACTS} f {ANSWER_OF_WAIT}
            WHERE f.shop_id = ANY(%(shop_ids)s) AND {WAITS}
              AND f.occurred_at >= %(start)s AND f.occurred_at < %(end)s
        ), judged AS (
            SELECT shop_id, answered,
                   row_number() OVER (PARTITION BY shop_id ORDER BY occurred_at DESC) AS recency,
                   count(*) OVER (PARTITION BY shop_id) AS total
            FROM chats
            WHERE answered OR occurred_at + %(within)s <= %(now)s
        )
        SELECT shop_id, count(*) AS chats, count(*) FILTER (WHERE answered) AS answered,
               count(*) FILTER (WHERE recency <= greatest(1, ceil(total * %(share)s)))
                   AS latest_chats,
               count(*) FILTER (WHERE answered AND recency <= greatest(1, ceil(total * %(share)s)))
                   AS latest_answered
        FROM judged GROUP BY shop_id"""  # noqa: S608 (table names only; values are parameters)
    params = {
        "shop_ids": list(shop_ids),
        "start": start,
        "end": end,
        "now": now,
        "within": answer_within,
        "within_ms": int(answer_within.total_seconds() * 1000),
        "share": latest_share,
    }
    found = {row["shop_id"]: row for row in _fetch(sql, params)}
    result = {}
    for shop_id in shop_ids:  # one entry per shop asked (not per row)
        row = found.get(
            shop_id, {"chats": 0, "answered": 0, "latest_chats": 0, "latest_answered": 0}
        )
        row = {k: v for k, v in row.items() if k != "shop_id"}
        rate = None
        if row["chats"] >= 2:
            rate = (1 - latest_weight) * row["answered"] / row["chats"] + latest_weight * row[
                "latest_answered"
            ] / row["latest_chats"]
        result[shop_id] = {**row, "rate": rate}
    return result


# A resolve's cycle opened at the latest reopen before it, else at the conversation's first
# buyer message (else its first fact).
CYCLE_OPENED = f"""JOIN LATERAL (
    SELECT coalesce(
        (SELECT max(o.occurred_at) FROM {FACTS} o WHERE o.conversation_id = f.conversation_id
           AND o.kind = 'reopened' AND o.id < f.id),
        (SELECT min(o.occurred_at) FROM {FACTS} o WHERE o.conversation_id = f.conversation_id
           AND o.kind = 'buyer_message'),
        (SELECT min(o.occurred_at) FROM {FACTS} o WHERE o.conversation_id = f.conversation_id)
    ) AS at) c ON true"""  # noqa: S608 (table names only; values are parameters)
OPENINGS = f"""(f.kind = 'reopened' OR (f.kind = 'buyer_message' AND NOT EXISTS (
    SELECT 1 FROM {FACTS} e WHERE e.conversation_id = f.conversation_id
      AND e.kind = 'buyer_message' AND (e.occurred_at, e.id) < (f.occurred_at, f.id))))"""  # noqa: S608 (table names only; values are parameters)


def conversation_resolution(filters: Filters) -> list[dict]:
    q = _facts(filters)
    duration = "(extract(epoch FROM f.occurred_at - c.at) * 1000)"
    resolved = q.select(
        DURATION_MS.format(v=duration), f"{FACTS_SOURCE} {CYCLE_OPENED}", ["f.kind = 'resolved'"]
    )
    opened = q.select("count(*) AS opened", FACTS_SOURCE, [OPENINGS])
    names = [name for _, name in q.dims]
    join = " AND ".join(f'r."{n}" IS NOT DISTINCT FROM o."{n}"' for n in names) or "true"
    columns = ", ".join(f'coalesce(r."{n}", o."{n}") AS "{n}"' for n in names)
    sql = f"""SELECT {columns + ", " if columns else ""}
        coalesce(r.count, 0) AS resolved, coalesce(o.opened, 0) AS opened,
        r.avg_ms, r.median_ms, r.p90_ms,
        coalesce(r.count, 0)::float / nullif(o.opened, 0) AS rate
        FROM ({resolved}) r FULL JOIN ({opened}) o ON {join}"""  # noqa: S608 (table names only; values are parameters)
    return _fetch(sql, q.params)


def ticket_resolution(filters: Filters) -> list[dict]:
    q = _Sql(filters, time_col="t.created_at", agent_col="t.assignee_id", group_col="t.group_id")
    duration = "(extract(epoch FROM t.resolved_at - t.created_at) * 1000)"
    aggregates = (
        "count(*) AS created, count(t.resolved_at) AS resolved, "
        "count(t.resolved_at)::float / nullif(count(*), 0) AS rate, "
        + DURATION_MS.format(v=duration).replace("AS count", "AS timed", 1)
    )
    source = f"{TICKETS} t JOIN {SHOPS} s ON s.id = t.shop_id"
    return _fetch(q.select(aggregates, source, ["t.merged_into_id IS NULL"]), q.params)


# The wait open when an auto-reply went out: the latest wait start before it, not ended since.
WAIT_AT_AUTO_REPLY = f"""LEFT JOIN LATERAL (
    SELECT w.occurred_at AS at FROM {FACTS} w
    WHERE w.conversation_id = f.conversation_id AND w.kind = 'buyer_message' AND w.starts_wait
      AND w.occurred_at <= f.occurred_at
      AND NOT EXISTS (SELECT 1 FROM {FACTS} e WHERE e.conversation_id = f.conversation_id
          AND (e.kind IN ('agent_reply', 'outside_reply') OR e.kind = 'resolved')
          AND e.occurred_at >= w.occurred_at AND e.occurred_at <= f.occurred_at)
    ORDER BY w.occurred_at DESC LIMIT 1) w ON f.kind = 'auto_reply'"""  # noqa: S608 (table names only; values are parameters)


def auto_replies(filters: Filters) -> list[dict]:
    q = _facts(filters)
    timing = "(extract(epoch FROM f.occurred_at - w.at) * 1000)"
    aggregates = (
        "count(*) FILTER (WHERE f.kind = 'auto_reply') AS auto_replies, "
        "count(*) AS seller_messages, "
        "(count(*) FILTER (WHERE f.kind = 'auto_reply'))::float / nullif(count(*), 0) AS share, "
        + DURATION_MS.format(v=timing).replace("AS count", "AS timed", 1)
    )
    kinds = "f.kind IN ('auto_reply', 'agent_reply', 'outside_reply')"
    return _fetch(q.select(aggregates, f"{FACTS_SOURCE} {WAIT_AT_AUTO_REPLY}", [kinds]), q.params)


def delivery_latency(filters: Filters) -> list[dict]:
    q = _Sql(filters, time_col="m.sent_at", agent_col="m.sender_user_id", group_col="c.group_id")
    aggregates = (
        "count(*) AS count, "
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY m.delivery_latency_ms) AS p50_ms, "
        "percentile_cont(0.95) WITHIN GROUP (ORDER BY m.delivery_latency_ms) AS p95_ms, "
        f"{int(settings.KPI_DELIVERY_P95_TARGET_MS)} AS target_p95_ms"
    )
    source = (
        f"{MESSAGES} m JOIN {SHOPS} s ON s.id = m.shop_id "
        f"JOIN {CONVERSATIONS} c ON c.id = m.conversation_id"
    )
    return _fetch(q.select(aggregates, source, ["m.delivery_latency_ms IS NOT NULL"]), q.params)


METRICS: dict[str, Callable[[Filters], list[dict]]] = {
    "first_response_time": first_response_time,
    "first_response_attainment": first_response_attainment,
    "reply_time": reply_time,
    "reply_rate": reply_rate,
    "conversation_resolution": conversation_resolution,
    "ticket_resolution": ticket_resolution,
    "auto_replies": auto_replies,
    "delivery_latency": delivery_latency,
}


class MetricError(Exception):
    pass


def report(
    filters: Filters, names: Sequence[str] = tuple(METRICS), timeout_ms: int | None = None
) -> dict[str, dict]:
    """Several metrics, each in its own savepoint with its own statement timeout: {name:
    {"rows": [...]}} or {name: {"error": "..."}} for one that failed or timed out."""
    timeout_ms = timeout_ms or settings.KPI_METRIC_TIMEOUT_MS
    results = {}
    with transaction.atomic():
        for name in names:
            try:
                with transaction.atomic():  # a savepoint: SET LOCAL ends with it
                    with connection.cursor() as cursor:
                        cursor.execute(f"SET LOCAL statement_timeout = {int(timeout_ms)}")
                    rows = METRICS[name](filters)
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL statement_timeout = DEFAULT")
                results[name] = {"rows": rows}
            except DatabaseError as error:
                results[name] = {"error": _error_text(error)}
    return results


def _error_text(error: DatabaseError) -> str:
    if "statement timeout" in str(error):
        return "timed out"
    return "failed"
