"""Tickets due soon and overdue, and shop-connection problems, through the same alert path."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.models import Alert
from alerts.services.raising import Candidate, alerts_raise
from chat.models import AgentGroup, InboundEvent
from integrations.models import IntegrationAlert, Shop
from tickets.models import CLOCK_RUNNING, Ticket

# Older deadlines are not announced (a first start on an old database is not a flood).
LOOKBACK = timedelta(days=1)


def _micros(at: datetime) -> int:
    return round(at.timestamp() * 1_000_000)


def _existing(keys: list[str]) -> set[str]:
    return set(Alert.objects.filter(dedup_key__in=keys).values_list("dedup_key", flat=True))


def _fresh(candidates: list[Candidate]) -> list[Alert]:
    seen = _existing([c.dedup_key for c in candidates])
    return alerts_raise([c for c in candidates if c.dedup_key not in seen])


def _ticket_link(ticket_id: int) -> str:
    return f"{settings.ALERTS_CONSOLE_URL.rstrip('/')}/admin/tickets/ticket/{ticket_id}/change/"


def ticket_sla_scan(*, now: datetime | None = None) -> list[Alert]:
    now = now or timezone.now()
    tickets = Ticket.objects.filter(
        status__in=CLOCK_RUNNING,
        group__isnull=False,
        due_at__isnull=False,
        due_at__gte=now - LOOKBACK,
        due_soon_at__lte=now,
    ).select_related("shop")
    candidates = []
    for t in tickets:
        breached = t.due_at <= now
        kind = Alert.Kind.TICKET_BREACHED if breached else Alert.Kind.TICKET_DUE_SOON
        values = {"ref": f"#{t.pk}", "subject": t.subject}
        title = (
            _("Ticket %(ref)s overdue: %(subject)s")
            if breached
            else _("Ticket %(ref)s due soon: %(subject)s")
        ) % values
        candidates.append(
            Candidate(
                kind=kind,
                dedup_key=f"{kind}:{t.pk}:{_micros(t.due_at)}",
                group_id=t.group_id,
                due_at=t.due_at if breached else t.due_soon_at,
                title=title,
                text=_("%(shop)s · due %(due)s UTC · [open](%(link)s)")
                % {
                    "shop": t.shop.name if t.shop_id else "",
                    "due": t.due_at.strftime("%m-%d %H:%M"),
                    "link": _ticket_link(t.pk),
                },
                shop_id=t.shop_id,
                ticket_id=t.pk,
                mention_user_ids=(t.assignee_id,) if t.assignee_id else (),
            )
        )
    return _fresh(candidates)


def _groups_of_shops(shop_ids: set[int]) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = {}
    for shop_id, group_id in AgentGroup.shops.through.objects.filter(
        shop_id__in=shop_ids
    ).values_list("shop_id", "agentgroup_id"):
        groups.setdefault(shop_id, []).append(group_id)
    return groups


def integration_scan(*, now: datetime | None = None) -> list[Alert]:
    """Open shop-connection problems, and pushes parked for a person, to the shops' groups."""
    now = now or timezone.now()
    problems = list(
        IntegrationAlert.objects.filter(
            resolved_at__isnull=True, created_at__gte=now - LOOKBACK
        ).select_related("shop")
    )
    parked = list(
        InboundEvent.objects.filter(
            status=InboundEvent.Status.PARKED, received_at__gte=now - LOOKBACK
        ).only("pk", "platform", "shop_platform_id", "kind", "error", "received_at")
    )
    shops = {
        (s.platform, s.platform_shop_id): s
        for s in Shop.objects.filter(platform_shop_id__in={e.shop_platform_id for e in parked})
    }
    groups = _groups_of_shops({p.shop_id for p in problems} | {s.pk for s in shops.values()})
    candidates = []
    for problem in problems:
        for group_id in groups.get(problem.shop_id, []):
            candidates.append(
                Candidate(
                    kind=Alert.Kind.INTEGRATION,
                    dedup_key=f"integration:{problem.pk}:{group_id}",
                    group_id=group_id,
                    due_at=problem.created_at,
                    title=_("%(shop)s: %(problem)s")
                    % {"shop": problem.shop.name, "problem": problem.get_kind_display()},
                    text=problem.message[:300],
                    shop_id=problem.shop_id,
                )
            )
    for event in parked:
        shop = shops.get((event.platform, event.shop_platform_id))
        for group_id in groups.get(shop.pk, []) if shop else []:
            candidates.append(
                Candidate(
                    kind=Alert.Kind.INTEGRATION,
                    dedup_key=f"parked:{event.pk}:{group_id}",
                    group_id=group_id,
                    due_at=event.received_at,
                    title=_("%(shop)s: a marketplace event needs attention") % {"shop": shop.name},
                    text=_("%(kind)s event parked: %(error)s")
                    % {"kind": event.kind, "error": (event.error or "")[:200]},
                    shop_id=shop.pk,
                )
            )
    return _fresh(candidates)
