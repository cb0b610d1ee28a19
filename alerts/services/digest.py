"""The daily digest: at a group's digest time (in its time zone), one alert to its robots with
yesterday's figures, counted with SQL over the conversation facts. Raised through the alert path,
so it is sent once per group and day whatever the number of scans."""

from datetime import datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.models import Alert, GroupAlertPolicy
from alerts.services.raising import Candidate, alerts_raise
from tickets.models import ACTIVE, Ticket

# Yesterday's chats and first responses in the group's shops. The shops come from the group
# (a conversation's own group may be empty or have changed since).
_FIGURES = """
    WITH shops AS (
        SELECT shop_id FROM chat_agentgroup_shops WHERE agentgroup_id = %(group)s
    )
    SELECT
        count(DISTINCT f.conversation_id) FILTER (WHERE f.kind = 'buyer_message'),
        count(*) FILTER (
            WHERE f.kind IN ('agent_reply', 'outside_reply') AND f.first_response
        ),
        count(*) FILTER (
            WHERE f.kind IN ('agent_reply', 'outside_reply') AND f.first_response
                AND f.wait_ms <= s.first_response_target_seconds * 1000
        )
    FROM chat_conversationfact f
    JOIN integrations_shop s ON s.id = f.shop_id
    WHERE f.shop_id IN (SELECT shop_id FROM shops)
        AND f.occurred_at >= %(start)s AND f.occurred_at < %(end)s
"""


class DigestFigures(NamedTuple):
    chats: int
    first_responses: int
    within_target: int
    breaches: int
    open_tickets: int

    @property
    def attainment(self) -> float | None:
        return self.within_target / self.first_responses if self.first_responses else None


def digest_figures(*, group_id: int, start: datetime, end: datetime) -> DigestFigures:
    with connection.cursor() as cursor:
        cursor.execute(_FIGURES, {"group": group_id, "start": start, "end": end})
        chats, first, within = cursor.fetchone()
    breaches = Alert.objects.filter(
        group_id=group_id,
        kind=Alert.Kind.FIRST_RESPONSE_BREACH,
        due_at__gte=start,
        due_at__lt=end,
    ).count()
    open_tickets = Ticket.objects.filter(group_id=group_id, status__in=ACTIVE).count()
    return DigestFigures(chats, first, within, breaches, open_tickets)


def _text(figures: DigestFigures) -> str:
    attainment = figures.attainment
    share = "—" if attainment is None else f"{attainment:.0%}"
    lines = [
        _("Chats: %(count)d") % {"count": figures.chats},
        _("First responses within target: %(within)d of %(total)d (%(share)s)")
        % {"within": figures.within_target, "total": figures.first_responses, "share": share},
        _("Missed first-response targets: %(count)d") % {"count": figures.breaches},
        _("Open tickets now: %(count)d") % {"count": figures.open_tickets},
    ]
    console = f"{settings.ALERTS_CONSOLE_URL.rstrip('/')}/console/"
    link = f"[{_('Open the console')}]({console})"
    return "\n".join(f"- {line}" for line in lines) + "\n" + link


def digests_scan(*, now: datetime | None = None) -> list[Alert]:
    """Raise the digests whose time has come today (local), for yesterday (local)."""
    now = now or timezone.now()
    candidates = []
    for policy in GroupAlertPolicy.objects.filter(digest_time__isnull=False).select_related(
        "group"
    ):
        zone = ZoneInfo(policy.time_zone)
        local = now.astimezone(zone)
        if local.time() < policy.digest_time:
            continue
        day = local.date() - timedelta(days=1)
        start = datetime.combine(day, time(0), tzinfo=zone)
        end = datetime.combine(local.date(), time(0), tzinfo=zone)
        figures = digest_figures(group_id=policy.group_id, start=start, end=end)
        candidates.append(
            Candidate(
                kind=Alert.Kind.DIGEST,
                dedup_key=f"digest:{policy.group_id}:{day.isoformat()}",
                group_id=policy.group_id,
                due_at=datetime.combine(local.date(), policy.digest_time, tzinfo=zone),
                title=_("%(group)s: daily summary for %(day)s")
                % {"group": policy.group.name, "day": day.isoformat()},
                text=_text(figures),
            )
        )
    seen = set(
        Alert.objects.filter(dedup_key__in=[c.dedup_key for c in candidates]).values_list(
            "dedup_key", flat=True
        )
    )
    return alerts_raise([c for c in candidates if c.dedup_key not in seen])
