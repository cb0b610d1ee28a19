"""The return sync: each marketplace return has one ticket of type return_refund that follows
its status and shows its deadline. Chat announces the changes (return_updated); the receiver
enqueues tickets.ticket_from_return, which calls ticket_from_return here.

Status map (neutral codes of integrations.types.ReturnStatus):
- requested, processing, in review, disputed, unknown: the ticket is worked (a new ticket
  opens; a resolved one reopens; pending and open stay as the team set them);
- accepted, refunded, closed: the marketplace settled it, the ticket is resolved;
- cancelled: the buyer withdrew it, the ticket is closed.
A closed ticket is never reopened by the sync.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from chat.models import BuyerOrder, BuyerReturn, Conversation
from integrations.business_hours import work_calendar_for_shop
from integrations.types import ReturnStatus
from tickets.models import Status, Ticket, TicketEvent
from tickets.services.history import history_append, history_entry
from tickets.services.sla import sla_deadlines_set, sla_policies
from tickets.services.tickets import ticket_create
from tickets.services.workflow import tickets_transition

RETURN_TICKET_TYPE = "return_refund"
_SETTLED = {ReturnStatus.ACCEPTED, ReturnStatus.REFUNDED, ReturnStatus.CLOSED}
_MAX_MERGE_HOPS = 20


def return_ticket_status(current: str, status_code: str) -> str | None:
    """Where the ticket moves for the return's neutral status (None: it stays)."""
    if current == Status.CLOSED:
        return None
    if status_code == ReturnStatus.CANCELLED:
        return Status.CLOSED
    if status_code in _SETTLED:
        return Status.RESOLVED if current != Status.RESOLVED else None
    if current == Status.RESOLVED:
        return Status.REOPENED
    return Status.OPEN if current == Status.NEW else None


def _subject(ret: BuyerReturn) -> str:
    reason = f": {ret.reason}" if ret.reason else ""
    return f"Return {ret.return_ref} of order {ret.order_ref}{reason}"[:200]


def _buyer_conversations(ret: BuyerReturn) -> list[Conversation]:
    """The buyer's conversations in the return's shop, found through the cached order."""
    buyer = (
        BuyerOrder.objects.filter(shop_id=ret.shop_id, order_ref=ret.order_ref)
        .exclude(buyer_platform_id="")
        .values_list("buyer_platform_id", flat=True)
        .first()
    )
    if not buyer:
        return []
    return list(
        Conversation.objects.filter(shop_id=ret.shop_id, buyer_platform_id=buyer).order_by("pk")
    )


def _existing(ret: BuyerReturn) -> Ticket | None:
    """The return's live ticket: the synced one, else any other carrying the reference, else
    the ticket a merged-away one went into."""
    rows = Ticket.objects.filter(shop_id=ret.shop_id, return_ref=ret.return_ref)
    live = rows.filter(merged_into__isnull=True).order_by("-source", "pk")
    ticket = live.filter(source=Ticket.Source.RETURN_SYNC).first() or live.first()
    if ticket is None:
        ticket = rows.order_by("pk").first()
        for _ in range(_MAX_MERGE_HOPS):
            if ticket is None or ticket.merged_into_id is None:
                break
            ticket = Ticket.objects.get(pk=ticket.merged_into_id)
    return ticket


def ticket_from_return(buyer_return_id: int) -> Ticket | None:
    """Create or update the ticket of one cached return (None: the return is gone). Calls for
    one return are serialised on its cached row; the unique constraint backs that up."""
    try:
        with transaction.atomic():
            return _sync(buyer_return_id)
    except IntegrityError:
        # Another writer created it between our look and our insert: update that one.
        with transaction.atomic():
            return _sync(buyer_return_id)


def _sync(buyer_return_id: int) -> Ticket | None:
    ret = (
        BuyerReturn.objects.select_for_update()
        .select_related("shop")
        .filter(pk=buyer_return_id)
        .first()
    )
    if ret is None:
        return None
    ticket = _existing(ret)
    conversations = _buyer_conversations(ret)
    if ticket is None:
        ticket = ticket_create(
            actor=None,
            ticket_type=RETURN_TICKET_TYPE,
            subject=_subject(ret),
            shop=ret.shop,
            conversations=conversations,
            description=ret.buyer_note[:5000],
            order_ref=ret.order_ref,
            return_ref=ret.return_ref,
            buyer_platform_id=conversations[0].buyer_platform_id if conversations else "",
            source=Ticket.Source.RETURN_SYNC,
            marketplace_due_at=ret.due_at,
        )
    else:
        _follow_deadline(ticket, ret)
        linked = set(ticket.conversations.values_list("pk", flat=True))
        new = [c for c in conversations if c.pk not in linked]
        if new:
            ticket.conversations.add(*new)
            history_append(
                [
                    history_entry(ticket=ticket, actor=None, kind=TicketEvent.Kind.LINKED, new=c.pk)
                    for c in new
                ]
            )
    target = return_ticket_status(ticket.status, ret.status_code)
    if target is not None:
        ticket = tickets_transition(ticket_ids=[ticket.pk], target=target, actor=None)[0]
    return ticket


def _follow_deadline(ticket: Ticket, ret: BuyerReturn) -> None:
    if ticket.marketplace_due_at == ret.due_at:
        return
    ticket = Ticket.objects.select_for_update(of=("self",)).select_related("shop").get(pk=ticket.pk)
    before = ticket.marketplace_due_at
    ticket.marketplace_due_at = ret.due_at
    policy = sla_policies().get((ticket.ticket_type_id, ticket.priority))
    sla_deadlines_set(ticket, policy=policy, calendar=work_calendar_for_shop(ticket.shop))
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=["marketplace_due_at", "due_at", "due_soon_at", "updated_at"])
    history_append(
        [
            history_entry(
                ticket=ticket,
                actor=None,
                kind=TicketEvent.Kind.CHANGED,
                field="marketplace_due_at",
                old=before.isoformat() if before else "",
                new=ret.due_at.isoformat() if ret.due_at else "",
            )
        ]
    )
