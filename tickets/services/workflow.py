"""Moving tickets through the workflow, assigning them and merging duplicates.

One ticket or five hundred take the same path and the same number of queries: the rows are
locked in one statement, checked all before any is changed (a refusal changes nothing), saved
with one bulk update and their history appended with one insert.
"""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from chat.selectors import shop_ids_for_user
from integrations.business_hours import work_calendars_for_shops
from tickets.models import Status, Ticket, TicketAttachment, TicketEvent
from tickets.services.history import history_append, history_entry
from tickets.services.sla import sla_clock_resume, sla_clock_start, sla_policies
from tickets.services.tickets import TicketInvalid, TicketRefused

_TRANSITIONS = {
    Status.OPEN: Ticket.to_open,
    Status.PENDING_BUYER: Ticket.to_pending_buyer,
    Status.PENDING_INTERNAL: Ticket.to_pending_internal,
    Status.RESOLVED: Ticket.to_resolved,
    Status.CLOSED: Ticket.to_closed,
    Status.REOPENED: Ticket.to_reopened,
}
_SAVED = [
    "status",
    "resolved_at",
    "closed_at",
    "due_at",
    "due_soon_at",
    "sla_started_at",
    "sla_paused_at",
    "sla_paused_seconds",
    "updated_at",
]


def allowed_statuses(ticket: Ticket) -> list[str]:
    """The statuses the ticket may move to now, in workflow order."""
    targets = {t.target for t in ticket.get_available_status_transitions()} - {ticket.status}
    return [s for s in Status.values if s in targets]


def _label(status: str) -> str:
    return str(Status(status).label)


def transition_refusal(ticket: Ticket, target: str) -> str:
    allowed = allowed_statuses(ticket)
    names = ", ".join(_label(s) for s in allowed) or "none (the ticket is final)"
    return (
        f"Ticket #{ticket.pk} cannot move from {_label(ticket.status)} to {_label(target)}; "
        f"allowed: {names}."
    )


def _locked(ticket_ids: Iterable[int]) -> list[Ticket]:
    ids = sorted(set(ticket_ids))
    rows = list(
        Ticket.objects.select_for_update(of=("self",))
        .select_related("shop")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if len(rows) != len(ids):
        raise TicketInvalid({"tickets": ["Some of the tickets no longer exist."]})
    return rows


@transaction.atomic
def tickets_transition(*, ticket_ids: Iterable[int], target: str, actor) -> list[Ticket]:
    """Move every ticket to `target`, or none: TicketRefused names each ticket that cannot and
    the statuses it could move to."""
    if target not in _TRANSITIONS:
        raise TicketInvalid({"status": [f"One of: {', '.join(_TRANSITIONS)}."]})
    tickets = _locked(ticket_ids)
    refused = [t for t in tickets if t.status != target and target not in allowed_statuses(t)]
    if refused:
        raise TicketRefused(" ".join(transition_refusal(t, target) for t in refused[:10]))
    now = timezone.now()
    policies = sla_policies()
    calendars = work_calendars_for_shops({t.shop_id: t.shop for t in tickets}.values())
    entries, moved = [], []
    for ticket in tickets:
        before = ticket.status
        if before == target:
            continue  # already there: nothing to record
        try:
            _TRANSITIONS[target](ticket)
        except TransitionNotAllowed:  # checked above; kept for a race-free error anyway
            raise TicketRefused(transition_refusal(ticket, target)) from None
        policy = policies.get((ticket.ticket_type_id, ticket.priority))
        calendar = calendars[ticket.shop_id]
        if before == Status.PENDING_BUYER:
            sla_clock_resume(ticket, now=now, policy=policy, calendar=calendar)
        if target == Status.PENDING_BUYER:
            ticket.sla_paused_at = now
        elif target == Status.RESOLVED:
            ticket.resolved_at = now
        elif target == Status.CLOSED:
            ticket.closed_at = now
        elif target == Status.REOPENED:
            ticket.resolved_at = None
            sla_clock_start(ticket, now=now, policy=policy, calendar=calendar)
        ticket.updated_at = now
        moved.append(ticket)
        entries.append(
            history_entry(
                ticket=ticket,
                actor=actor,
                kind=TicketEvent.Kind.STATUS,
                field="status",
                old=before,
                new=target,
            )
        )
    Ticket.objects.bulk_update(moved, _SAVED)
    history_append(entries)
    return tickets


def ticket_transition(*, ticket: Ticket, target: str, actor) -> Ticket:
    return tickets_transition(ticket_ids=[ticket.pk], target=target, actor=actor)[0]


@transaction.atomic
def tickets_assign(*, ticket_ids: Iterable[int], assignee, actor) -> list[Ticket]:
    """Assign every ticket to `assignee` (None unassigns), or none: the assignee must work on
    each ticket's shop."""
    tickets = _locked(ticket_ids)
    if assignee is not None:
        visible = shop_ids_for_user(user=assignee) if assignee.is_active else set()
        outside = [t.pk for t in tickets if t.shop_id not in visible]
        if outside:
            shown = ", ".join(f"#{pk}" for pk in outside[:20])
            raise TicketInvalid(
                {"assignee": [f"{assignee} does not work on the shop of tickets {shown}."]}
            )
    now, entries, changed = timezone.now(), [], []
    old_names = _user_names({t.assignee_id for t in tickets} - {None})
    for ticket in tickets:
        if ticket.assignee_id == (assignee.pk if assignee else None):
            continue
        entries.append(
            history_entry(
                ticket=ticket,
                actor=actor,
                kind=TicketEvent.Kind.ASSIGNED,
                field="assignee",
                old=old_names.get(ticket.assignee_id, ""),
                new=assignee or "",
            )
        )
        ticket.assignee, ticket.updated_at = assignee, now
        changed.append(ticket)
    Ticket.objects.bulk_update(changed, ["assignee", "updated_at"])
    history_append(entries)
    return tickets


def ticket_assign(*, ticket: Ticket, assignee, actor) -> Ticket:
    return tickets_assign(ticket_ids=[ticket.pk], assignee=assignee, actor=actor)[0]


def _user_names(ids: set[int]) -> dict[int, str]:
    return {u.pk: str(u) for u in get_user_model().objects.filter(pk__in=ids)} if ids else {}


@transaction.atomic
def ticket_merge(*, duplicate: Ticket, target: Ticket, actor) -> Ticket:
    """Merge `duplicate` into `target`: its conversations and attachments move to the target,
    references the target lacks are copied, and the duplicate is closed with a "merged into
    #N" history entry (its own history stays with it)."""
    if duplicate.pk == target.pk:
        raise TicketRefused("A ticket cannot be merged into itself.")
    duplicate, target = sorted(
        _locked([duplicate.pk, target.pk]), key=lambda t: t.pk != duplicate.pk
    )
    if duplicate.shop_id != target.shop_id:
        raise TicketRefused(
            f"Tickets #{duplicate.pk} and #{target.pk} belong to different shops "
            f"({duplicate.shop} and {target.shop}): they cannot be merged."
        )
    if target.status == Status.CLOSED:
        raise TicketRefused(f"Ticket #{target.pk} is closed: merge into an open ticket.")
    if Status.CLOSED not in allowed_statuses(duplicate):
        raise TicketRefused(f"Ticket #{duplicate.pk} is already closed.")
    conversations = list(duplicate.conversations.all())
    target.conversations.add(*conversations)
    duplicate.conversations.clear()
    TicketAttachment.objects.filter(ticket=duplicate).update(ticket=target)
    copied = [
        name
        for name in ("order_ref", "return_ref", "buyer_platform_id", "buyer_name")
        if not getattr(target, name) and getattr(duplicate, name)
    ]
    for name in copied:
        setattr(target, name, getattr(duplicate, name))
    now = timezone.now()
    target.updated_at = now
    target.save(update_fields=[*copied, "updated_at"])
    before = duplicate.status
    duplicate.to_closed()
    duplicate.closed_at, duplicate.merged_into, duplicate.updated_at = now, target, now
    duplicate.save(update_fields=["status", "closed_at", "merged_into", "updated_at"])
    kind = TicketEvent.Kind
    history_append(
        [
            history_entry(
                ticket=duplicate,
                actor=actor,
                kind=kind.MERGED_INTO,
                new=f"merged into #{target.pk}",
            ),
            history_entry(
                ticket=duplicate,
                actor=actor,
                kind=kind.STATUS,
                field="status",
                old=before,
                new=Status.CLOSED,
            ),
            history_entry(
                ticket=target, actor=actor, kind=kind.MERGED_FROM, new=f"#{duplicate.pk} merged in"
            ),
            *(
                history_entry(ticket=target, actor=actor, kind=kind.LINKED, new=c.pk)
                for c in conversations
            ),
        ]
    )
    return target
