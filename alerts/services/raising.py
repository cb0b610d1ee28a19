"""Raising alerts: each is a row whose `dedup_key` names its subject and threshold, inserted
with ON CONFLICT DO NOTHING, so two scans at once (or a scan repeated) raise it once. The rows
and their deliveries (one per active robot of the group) are written in one transaction."""

import json
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from alerts.models import Alert, AlertDelivery, Robot
from chat.services.publish import live_event_publish


@dataclass(frozen=True)
class Candidate:
    kind: str
    dedup_key: str
    group_id: int
    due_at: datetime
    title: str
    text: str
    shop_id: int | None = None
    conversation_id: int | None = None
    ticket_id: int | None = None
    mention_user_ids: tuple[int, ...] = field(default=())


_INSERT = """
    INSERT INTO alerts_alert (kind, dedup_key, group_id, shop_id, conversation_id, ticket_id,
        due_at, raised_at, title, text, mention_user_ids)
    SELECT r->>'kind', r->>'dedup_key', (r->>'group_id')::bigint, (r->>'shop_id')::bigint,
        (r->>'conversation_id')::bigint, (r->>'ticket_id')::bigint, (r->>'due_at')::timestamptz,
        now(), r->>'title', r->>'text', r->'mention_user_ids'
    FROM jsonb_array_elements(%s::jsonb) AS r
    ON CONFLICT (dedup_key) DO NOTHING
    RETURNING id, dedup_key
"""


def alerts_raise(candidates: list[Candidate]) -> list[Alert]:
    """Raise the candidates not raised before; returns the new alerts (with their deliveries
    queued for each active robot of their group, and published to the console)."""
    if not candidates:
        return []
    rows = [
        {
            "kind": c.kind,
            "dedup_key": c.dedup_key,
            "group_id": c.group_id,
            "shop_id": c.shop_id,
            "conversation_id": c.conversation_id,
            "ticket_id": c.ticket_id,
            "due_at": c.due_at.isoformat(),
            "title": c.title[:200],
            "text": c.text,
            "mention_user_ids": list(c.mention_user_ids),
        }
        for c in candidates
    ]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_INSERT, [json.dumps(rows)])
            new_ids = [row[0] for row in cursor.fetchall()]
        alerts = list(Alert.objects.filter(pk__in=new_ids).order_by("due_at", "id"))
        robots: dict[int, list[int]] = {}
        for robot_id, group_id in Robot.objects.filter(
            is_active=True, group__in={a.group_id for a in alerts}
        ).values_list("pk", "group_id"):
            robots.setdefault(group_id, []).append(robot_id)
        now = timezone.now()
        AlertDelivery.objects.bulk_create(
            AlertDelivery(alert=alert, robot_id=robot_id, next_attempt_at=now)
            for alert in alerts
            for robot_id in robots.get(alert.group_id, [])
        )
        for alert in alerts:
            if alert.shop_id is not None:  # stored, so a reconnecting console replays it
                live_event_publish(shop_id=alert.shop_id, event=alert_event(alert))
    return alerts


def alert_event(alert: Alert) -> dict:
    """The console's live event for a new alert (its banner and list)."""
    return {
        "type": "alerts.alert_raised",
        "alert_id": alert.pk,
        "kind": alert.kind,
        "title": alert.title,
        "text": alert.text,
        "shop_id": alert.shop_id,
        "group_id": alert.group_id,
        "conversation_id": alert.conversation_id,
        "ticket_id": alert.ticket_id,
        "mention_user_ids": alert.mention_user_ids,
        "due_at": alert.due_at.isoformat(),
    }
