"""The resolution SLA's state, derived from the stored deadlines and the current time (nothing
here writes). The deadlines themselves are set by tickets.services.sla in business time.

- on track / due soon / breached: the clock runs (new, open, pending internal, reopened);
- paused: pending buyer (breached stays breached: a pause after the deadline gives no time back);
- stopped: resolved or closed; none: no SLA policy for the ticket's type and priority.
"""

from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tickets.models import CLOCK_RUNNING, Status


class SlaState(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    DUE_SOON = "due_soon", _("Due soon")
    BREACHED = "breached", _("Breached")
    PAUSED = "paused", _("Paused (pending buyer)")
    STOPPED = "stopped", _("Stopped (resolved or closed)")
    NONE = "none", _("No SLA")


def sla_state(
    *,
    status: str,
    due_at: datetime | None,
    due_soon_at: datetime | None,
    paused_at: datetime | None,
    now: datetime,
) -> SlaState:
    if status in (Status.RESOLVED, Status.CLOSED):
        return SlaState.STOPPED
    if due_at is None:
        return SlaState.NONE
    if status == Status.PENDING_BUYER:
        breached = paused_at is not None and due_at <= paused_at
        return SlaState.BREACHED if breached else SlaState.PAUSED
    if due_at <= now:
        return SlaState.BREACHED
    if due_soon_at is not None and due_soon_at <= now:
        return SlaState.DUE_SOON
    return SlaState.ON_TRACK


def ticket_sla_state(ticket, now: datetime) -> SlaState:
    return sla_state(
        status=ticket.status,
        due_at=ticket.due_at,
        due_soon_at=ticket.due_soon_at,
        paused_at=ticket.sla_paused_at,
        now=now,
    )


def sla_state_q(state: str, now: datetime) -> Q:
    """The tickets in `state` at `now`, as a filter (the admin's list filter)."""
    running = Q(status__in=CLOCK_RUNNING, due_at__isnull=False)
    paused = Q(status=Status.PENDING_BUYER, due_at__isnull=False)
    breached_in_pause = Q(sla_paused_at__isnull=False, due_at__lte=models.F("sla_paused_at"))
    return {
        SlaState.BREACHED: (running & Q(due_at__lte=now)) | (paused & breached_in_pause),
        SlaState.DUE_SOON: running & Q(due_at__gt=now, due_soon_at__lte=now),
        SlaState.ON_TRACK: running & Q(due_at__gt=now) & ~Q(due_soon_at__lte=now),
        SlaState.PAUSED: paused & ~breached_in_pause,
        SlaState.STOPPED: Q(status__in=[Status.RESOLVED, Status.CLOSED]),
        SlaState.NONE: Q(due_at__isnull=True) & ~Q(status__in=[Status.RESOLVED, Status.CLOSED]),
    }[SlaState(state)]


# The same filters in SQL over the ticket table aliased `t` (the API's list statement); each
# takes the current time as its only parameter, or none.
_RUNNING_SQL = (
    "t.status IN ('new', 'open', 'pending_internal', 'reopened') AND t.due_at IS NOT NULL"
)
_PAUSED_SQL = "t.status = 'pending_buyer' AND t.due_at IS NOT NULL"
_PAUSE_BREACHED_SQL = "t.sla_paused_at IS NOT NULL AND t.due_at <= t.sla_paused_at"
SLA_STATE_SQL: dict[str, tuple[str, int]] = {
    SlaState.BREACHED: (
        f"(({_RUNNING_SQL} AND t.due_at <= %s) OR ({_PAUSED_SQL} AND {_PAUSE_BREACHED_SQL}))",
        1,
    ),
    SlaState.DUE_SOON: (f"({_RUNNING_SQL} AND t.due_at > %s AND t.due_soon_at <= %s)", 2),
    SlaState.ON_TRACK: (
        f"({_RUNNING_SQL} AND t.due_at > %s AND (t.due_soon_at IS NULL OR t.due_soon_at > %s))",
        2,
    ),
    SlaState.PAUSED: (f"({_PAUSED_SQL} AND NOT ({_PAUSE_BREACHED_SQL}))", 0),
    SlaState.STOPPED: ("t.status IN ('resolved', 'closed')", 0),
    SlaState.NONE: ("(t.due_at IS NULL AND t.status NOT IN ('resolved', 'closed'))", 0),
}
