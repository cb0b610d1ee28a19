"""The first-response timer: a buyer's wait (chat's `awaiting_reply_since`, which only a human
reply ends: auto-replies do not) raises a warning at the group's warn point and a breach at the
shop's target, once per wait. Scanned every few seconds over the partial index of waiting
conversations, so a warning goes out seconds after it is due, never on a Celery countdown."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.models import Alert, GroupAlertPolicy
from alerts.services.raising import Candidate, alerts_raise
from integrations.business_hours import business_deadline, work_calendars_for_shops
from integrations.models import Shop

WARNING, BREACH = Alert.Kind.FIRST_RESPONSE_WARNING, Alert.Kind.FIRST_RESPONSE_BREACH

# Waiting conversations past the earliest threshold any group uses, whose breach is not raised
# yet for this wait (the anti-join keeps a scan's cost to the waits still to alert).
_WAITING = """
    SELECT c.id, c.shop_id, c.group_id, c.assignee_id, c.awaiting_reply_since, c.buyer_name,
        c.buyer_platform_id, s.name, s.first_response_target_seconds,
        coalesce(p.warn_after_seconds, %(warn)s), coalesce(p.pause_outside_business_hours, false),
        p.lead_id, coalesce(p.reassign_on_breach, true)
    FROM chat_conversation c
    JOIN integrations_shop s ON s.id = c.shop_id
    LEFT JOIN alerts_groupalertpolicy p ON p.group_id = c.group_id
    WHERE c.awaiting_reply_since IS NOT NULL AND c.awaiting_reply_since <= %(bound)s
        AND c.status = 'open' AND c.group_id IS NOT NULL
        AND NOT EXISTS (
            SELECT 1 FROM alerts_alert a
            WHERE a.dedup_key = 'frt_breach:' || c.id || ':'
                || (extract(epoch FROM c.awaiting_reply_since) * 1000000)::bigint
        )
    ORDER BY c.awaiting_reply_since
    LIMIT %(limit)s
"""


@dataclass(frozen=True)
class Wait:
    conversation_id: int
    shop_id: int
    group_id: int
    assignee_id: int | None
    since: datetime
    buyer: str
    shop_name: str
    target: int
    warn: int
    pause: bool
    lead_id: int | None
    reassign: bool


def dedup_key(kind: str, conversation_id: int, since: datetime) -> str:
    micros = round(since.timestamp() * 1_000_000)
    return f"{kind}:{conversation_id}:{micros}"


def _earliest_threshold() -> int:
    warns = set(GroupAlertPolicy.objects.values_list("warn_after_seconds", flat=True))
    targets = Shop.objects.order_by("first_response_target_seconds").values_list(
        "first_response_target_seconds", flat=True
    )[:1]
    return min([settings.ALERTS_WARN_AFTER_SECONDS, *warns, *targets])


def waits_due(now: datetime, limit: int = 20000) -> list[Wait]:
    bound = now - timedelta(seconds=_earliest_threshold())
    with connection.cursor() as cursor:
        cursor.execute(
            _WAITING, {"warn": settings.ALERTS_WARN_AFTER_SECONDS, "bound": bound, "limit": limit}
        )
        rows = cursor.fetchall()
    return [
        Wait(r[0], r[1], r[2], r[3], r[4], r[5] or r[6], r[7], r[8], r[9], r[10], r[11], r[12])
        for r in rows
    ]


def _console_link(conversation_id: int) -> str:
    return f"{settings.ALERTS_CONSOLE_URL.rstrip('/')}/console/#c{conversation_id}"


def first_response_scan(*, now: datetime | None = None) -> list[Alert]:
    """Raise the warnings and breaches now due; returns the new alerts."""
    now = now or timezone.now()
    waits = waits_due(now)
    paused_shops = {w.shop_id for w in waits if w.pause}
    calendars = work_calendars_for_shops(Shop.objects.filter(pk__in=paused_shops))
    candidates = []
    for wait in waits:
        calendar = calendars.get(wait.shop_id) if wait.pause else None
        for kind, seconds in ((WARNING, min(wait.warn, wait.target)), (BREACH, wait.target)):
            due = business_deadline(calendar, wait.since, seconds)
            if due > now:
                break
            candidates.append(_candidate(wait, kind, due, now))
    return alerts_raise(candidates)


def _candidate(wait: Wait, kind: str, due: datetime, now: datetime) -> Candidate:
    waited = int((now - wait.since).total_seconds())
    values = {"buyer": wait.buyer, "shop": wait.shop_name, "seconds": waited}
    if kind == WARNING:
        title = _("Buyer waiting %(seconds)s s in %(shop)s") % values
        mentions = (wait.assignee_id,) if wait.assignee_id else ()
    else:
        title = _("First-response target missed in %(shop)s: %(buyer)s waits %(seconds)s s") % (
            values
        )
        mentions = tuple(m for m in (wait.assignee_id, wait.lead_id) if m)
    text = _("%(shop)s · %(buyer)s · waiting since %(since)s UTC · [open](%(link)s)") % {
        **values,
        "since": wait.since.strftime("%H:%M:%S"),
        "link": _console_link(wait.conversation_id),
    }
    return Candidate(
        kind=kind,
        dedup_key=dedup_key(kind, wait.conversation_id, wait.since),
        group_id=wait.group_id,
        due_at=due,
        title=title,
        text=text,
        shop_id=wait.shop_id,
        conversation_id=wait.conversation_id,
        mention_user_ids=mentions,
    )
