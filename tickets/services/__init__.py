"""The only code that writes tickets. Every way in (REST API, admin, rules, return sync) calls
these functions."""

from tickets.services.returns import ticket_from_return
from tickets.services.tickets import (
    TicketInvalid,
    TicketRefused,
    ticket_attachments_add,
    ticket_conversation_link,
    ticket_create,
    ticket_note_add,
    ticket_update,
)
from tickets.services.workflow import (
    allowed_statuses,
    ticket_assign,
    ticket_merge,
    ticket_transition,
    tickets_assign,
    tickets_transition,
)

__all__ = [
    "TicketInvalid",
    "TicketRefused",
    "allowed_statuses",
    "ticket_assign",
    "ticket_attachments_add",
    "ticket_conversation_link",
    "ticket_create",
    "ticket_from_return",
    "ticket_merge",
    "ticket_note_add",
    "ticket_transition",
    "ticket_update",
    "tickets_assign",
    "tickets_transition",
]
