"""The ticket history: rows are only ever appended, here."""

from tickets.models import Ticket, TicketEvent
from tickets.services.live import tickets_publish


def history_entry(
    *,
    ticket: Ticket,
    actor,
    kind: str,
    field: str = "",
    old: object = "",
    new: object = "",
) -> TicketEvent:
    """An unsaved entry (callers append many at once with history_append)."""
    return TicketEvent(
        ticket=ticket,
        actor=actor if getattr(actor, "pk", None) else None,
        kind=kind,
        field=field,
        old_value="" if old is None else str(old),
        new_value="" if new is None else str(new),
    )


def history_append(entries: list[TicketEvent]) -> None:
    """Append entries in one statement. Every change appends history, so this is also where the
    changed tickets are published to the agents' sockets (sent once the transaction commits)."""
    if entries:
        TicketEvent.objects.bulk_create(entries)
        tickets_publish(ticket_ids={entry.ticket_id for entry in entries})
