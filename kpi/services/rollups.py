"""Hourly rollups of the conversation facts (kpi.models.HourlyShopAgentRollup): each hour range
rebuilt by one DELETE and one INSERT … SELECT in one transaction, so a rebuild run twice gives
the same rows and a beat run that overlaps the last one changes nothing."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from chat.models import ConversationFact
from integrations.models import Shop
from kpi.models import HourlyShopAgentRollup

ROLLUPS = HourlyShopAgentRollup._meta.db_table
FACTS = ConversationFact._meta.db_table
SHOPS = Shop._meta.db_table
HOUR = timedelta(hours=1)

INSERT = f"""
INSERT INTO {ROLLUPS} (hour, shop_id, agent_id, group_id, first_responses, first_response_ms,
    first_responses_within_target, replies, reply_ms, human_messages, auto_replies,
    waits_started, resolved, reopened)
SELECT date_trunc('hour', f.occurred_at), f.shop_id, f.agent_id, f.group_id,
    count(*) FILTER (WHERE {{first}}),
    coalesce(sum(f.wait_ms) FILTER (WHERE {{first}}), 0),
    count(*) FILTER (WHERE {{first}} AND f.wait_ms <= s.first_response_target_seconds * 1000),
    count(*) FILTER (WHERE {{human}} AND f.wait_ms IS NOT NULL),
    coalesce(sum(f.wait_ms) FILTER (WHERE {{human}}), 0),
    count(*) FILTER (WHERE {{human}}),
    count(*) FILTER (WHERE f.kind = 'auto_reply'),
    count(*) FILTER (WHERE f.kind = 'buyer_message' AND f.starts_wait),
    count(*) FILTER (WHERE f.kind = 'resolved'),
    count(*) FILTER (WHERE f.kind = 'reopened')
FROM {FACTS} f JOIN {SHOPS} s ON s.id = f.shop_id
WHERE f.occurred_at >= %(start)s AND f.occurred_at < %(end)s
GROUP BY 1, 2, 3, 4"""  # noqa: S608 (table names only; values are parameters)
HUMAN = "f.kind IN ('agent_reply', 'outside_reply')"
SQL = INSERT.format(first=f"{HUMAN} AND f.first_response AND f.wait_ms IS NOT NULL", human=HUMAN)


def floor_hour(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def rollups_rebuild(*, start: datetime, end: datetime) -> int:
    """Replace the rollups of the whole UTC hours in [start, end); returns the rows written."""
    start, end = floor_hour(start), floor_hour(end)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {ROLLUPS} WHERE hour >= %s AND hour < %s",  # noqa: S608 (name only)
            [start, end],
        )
        cursor.execute(SQL, {"start": start, "end": end})
        return cursor.rowcount


def day_ranges(start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
    """[start, end) in day-long slices (the command's progress steps and transactions)."""
    at = floor_hour(start)
    end = floor_hour(end)
    while at < end:
        yield at, min(at + timedelta(days=1), end)
        at += timedelta(days=1)


def rollups_refresh(now: datetime | None = None) -> int:
    """Beat: yesterday and today's closed hours (late messages replay within that reach)."""
    now = floor_hour(now or timezone.now())
    return rollups_rebuild(start=now - timedelta(days=1, hours=now.hour), end=now)
