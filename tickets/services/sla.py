"""The resolution SLA's deadlines, in the shop's business time (integrations.business_hours).

The clock starts when the ticket is created (again when it is reopened). Pending-buyer pauses
it: the business time spent waiting for the buyer is added to the target when the ticket leaves
that status, unless the deadline had already passed when the pause began. Resolved and closed
stop it (the deadline stays, for reporting).
"""

from datetime import datetime, timedelta

from integrations.business_hours import (
    WorkCalendar,
    business_deadline,
    business_seconds_between,
)
from tickets.models import SlaPolicy, Ticket


def sla_policies() -> dict[tuple[int, str], SlaPolicy]:
    """Every policy by (ticket type id, priority): one query, a few dozen rows."""
    return {(p.ticket_type_id, p.priority): p for p in SlaPolicy.objects.all()}


# A marketplace deadline passes on the marketplace's clock, not in business time: the ticket is
# due soon this long before it.
MARKETPLACE_DUE_SOON = timedelta(hours=24)


def sla_deadlines_set(
    ticket: Ticket, *, policy: SlaPolicy | None, calendar: WorkCalendar | None
) -> None:
    """Set due_at and due_soon_at from the clock's start and the paused time, or from the
    marketplace's deadline when that comes first (unsaved)."""
    ticket.due_at = ticket.due_soon_at = None
    if policy is not None and ticket.sla_started_at is not None:
        target = policy.resolution_minutes * 60
        warning = max(0, policy.resolution_minutes - policy.due_soon_minutes) * 60
        paused, start = ticket.sla_paused_seconds, ticket.sla_started_at
        ticket.due_at = business_deadline(calendar, start, target + paused)
        ticket.due_soon_at = business_deadline(calendar, start, warning + paused)
    market = ticket.marketplace_due_at
    if market is not None and (ticket.due_at is None or market < ticket.due_at):
        soon = market - MARKETPLACE_DUE_SOON
        ticket.due_at = market
        ticket.due_soon_at = soon if ticket.due_soon_at is None else min(ticket.due_soon_at, soon)


def sla_clock_start(
    ticket: Ticket, *, now: datetime, policy: SlaPolicy | None, calendar: WorkCalendar | None
) -> None:
    ticket.sla_started_at, ticket.sla_paused_at, ticket.sla_paused_seconds = now, None, 0
    sla_deadlines_set(ticket, policy=policy, calendar=calendar)


def sla_clock_resume(
    ticket: Ticket, *, now: datetime, policy: SlaPolicy | None, calendar: WorkCalendar | None
) -> None:
    """Leaving pending-buyer: the business time of the pause moves the deadlines later."""
    paused_at, ticket.sla_paused_at = ticket.sla_paused_at, None
    if paused_at is None or ticket.due_at is None or ticket.due_at <= paused_at:
        return  # no clock, or breached before the pause: waiting gives no time back
    ticket.sla_paused_seconds += business_seconds_between(calendar, paused_at, now)
    sla_deadlines_set(ticket, policy=policy, calendar=calendar)
