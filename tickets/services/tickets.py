"""Creating tickets and changing their fields, notes, attachments and links. The REST API, the
admin, rules and the return sync all come in through these functions; each validates all of
its input before it writes anything, writes in one transaction and appends the history."""

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from chat.models import AgentGroup, BuyerOrder, BuyerReturn, Conversation
from chat.selectors import shop_ids_for_user
from integrations.business_hours import work_calendar_for_shop
from integrations.models import Shop
from tickets.models import (
    Priority,
    Ticket,
    TicketAttachment,
    TicketEvent,
    TicketNote,
    TicketType,
    validate_http_url,
)
from tickets.services.history import history_append, history_entry
from tickets.services.sla import sla_clock_start, sla_deadlines_set, sla_policies

REF_MAX, SUBJECT_MAX, NOTE_MAX, URL_MAX = 64, 200, 5000, 1000


class TicketInvalid(ValueError):
    """Bad input: `errors` maps each field to its messages (the API answers 400 with them)."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{f}: {' '.join(m)}" for f, m in errors.items()))


class TicketRefused(ValueError):
    """The ticket's state forbids the action (a transition, a merge): the API answers 409."""


def _text(errors: dict, field: str, value, limit: int, *, required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        # Marketplace references exceed 2**53: a number here has already lost digits.
        errors.setdefault(field, []).append("Must be a string.")
        return ""
    value = value.strip()
    if required and not value:
        errors.setdefault(field, []).append("This field is required.")
    if len(value) > limit:
        errors.setdefault(field, []).append(f"At most {limit} characters.")
    return value


def _urls(errors: dict, urls: Iterable[str]) -> list[str]:
    cleaned = []
    for url in urls:
        if not isinstance(url, str) or len(url) > URL_MAX:
            errors.setdefault("attachments", []).append(f"Not a URL of at most {URL_MAX} chars.")
            continue
        try:
            validate_http_url(url)
        except ValidationError:
            errors.setdefault("attachments", []).append(f"Not an http(s) URL: {url[:100]}")
            continue
        cleaned.append(url)
    return cleaned


def ticket_type_resolve(value: TicketType | str | None) -> TicketType | None:
    """A ticket type by instance or stable code; None if unknown or inactive."""
    if isinstance(value, TicketType):
        return value if value.is_active else None
    if not value:
        return None
    return TicketType.objects.filter(code=value, is_active=True).first()


def assignee_may_work_on(user, shop_id: int) -> bool:
    return bool(user and user.is_active and shop_id in shop_ids_for_user(user=user))


def _prefill_refs(conversation: Conversation, order_ref: str, return_ref: str) -> tuple[str, str]:
    """The buyer's newest cached order and its newest return, where the caller gave none."""
    if not order_ref:
        order = (
            BuyerOrder.objects.filter(
                shop_id=conversation.shop_id, buyer_platform_id=conversation.buyer_platform_id
            )
            .order_by(F("platform_created_at").desc(nulls_last=True), "-id")
            .values_list("order_ref", flat=True)
            .first()
        )
        order_ref = order or ""
    if not return_ref and order_ref:
        found = (
            BuyerReturn.objects.filter(shop_id=conversation.shop_id, order_ref=order_ref)
            .order_by("-id")
            .values_list("return_ref", flat=True)
            .first()
        )
        return_ref = found or ""
    return order_ref, return_ref


@transaction.atomic
def ticket_create(
    *,
    actor,
    ticket_type: TicketType | str,
    subject: str,
    shop: Shop | None = None,
    conversations: Sequence[Conversation] = (),
    description: str = "",
    priority: str = Priority.NORMAL,
    group: AgentGroup | None = None,
    assignee=None,
    order_ref: str = "",
    return_ref: str = "",
    buyer_platform_id: str = "",
    buyer_name: str = "",
    attachments: Sequence[str] = (),
    source: str = Ticket.Source.API,
    marketplace_due_at: datetime | None = None,
) -> Ticket:
    """Open a ticket. From a conversation, the shop, the buyer and (from the buyer's cached
    orders and returns) the order and return references are filled in when not given."""
    errors: dict[str, list[str]] = {}
    conversations = list(conversations)
    shops = {c.shop_id for c in conversations}
    if len(shops) > 1:
        errors["conversations"] = ["The conversations belong to different shops."]
    elif shops and shop is not None and shop.pk not in shops:
        errors["conversations"] = ["The conversation belongs to another shop than the ticket."]
    if shop is None and conversations:
        shop = conversations[0].shop
    if shop is None:
        errors.setdefault("shop", []).append("A shop or a conversation is required.")
    kind = ticket_type_resolve(ticket_type)
    if kind is None:
        errors["ticket_type"] = [f"No active ticket type {ticket_type!s:.40}."]
    if priority not in Priority.values:
        errors["priority"] = [f"One of: {', '.join(Priority.values)}."]
    subject = _text(errors, "subject", subject, SUBJECT_MAX, required=True)
    description = _text(errors, "description", description, NOTE_MAX)
    order_ref = _text(errors, "order_ref", order_ref, REF_MAX)
    return_ref = _text(errors, "return_ref", return_ref, REF_MAX)
    buyer_platform_id = _text(errors, "buyer_platform_id", buyer_platform_id, REF_MAX)
    buyer_name = _text(errors, "buyer_name", buyer_name, 200)
    urls = _urls(errors, attachments)
    if shop is not None and group is not None and not group.shops.filter(pk=shop.pk).exists():
        errors["group"] = ["This group does not work on the ticket's shop."]
    if shop is not None and assignee is not None and not assignee_may_work_on(assignee, shop.pk):
        errors["assignee"] = ["This person does not work on the ticket's shop."]
    if source not in Ticket.Source.values:
        errors["source"] = ["Unknown source."]
    if errors:
        raise TicketInvalid(errors)

    first = conversations[0] if conversations else None
    if first is not None:
        order_ref, return_ref = _prefill_refs(first, order_ref, return_ref)
        buyer_platform_id = buyer_platform_id or first.buyer_platform_id
        buyer_name = buyer_name or first.buyer_name
        group = group or first.group
    ticket = Ticket(
        shop=shop,
        ticket_type=kind,
        subject=subject,
        description=description,
        priority=priority,
        group=group,
        assignee=assignee,
        order_ref=order_ref,
        return_ref=return_ref,
        buyer_platform_id=buyer_platform_id,
        buyer_name=buyer_name,
        source=source,
        created_by=actor if getattr(actor, "pk", None) else None,
        marketplace_due_at=marketplace_due_at,
    )
    policy = sla_policies().get((kind.pk, priority))
    sla_clock_start(
        ticket, now=timezone.now(), policy=policy, calendar=work_calendar_for_shop(shop)
    )
    ticket.save()
    if conversations:
        ticket.conversations.add(*conversations)
    TicketAttachment.objects.bulk_create(
        [TicketAttachment(ticket=ticket, url=url, added_by=ticket.created_by) for url in urls]
    )
    entries = [history_entry(ticket=ticket, actor=actor, kind=TicketEvent.Kind.CREATED)]
    entries += [
        history_entry(ticket=ticket, actor=actor, kind=TicketEvent.Kind.LINKED, new=c.pk)
        for c in conversations
    ]
    if assignee is not None:
        entries.append(
            history_entry(ticket=ticket, actor=actor, kind=TicketEvent.Kind.ASSIGNED, new=assignee)
        )
    history_append(entries)
    return ticket


# Fields a person may edit on the ticket page (status and assignee have their own services).
EDITABLE = ("subject", "description", "priority", "ticket_type", "group", "order_ref", "return_ref")


@transaction.atomic
def ticket_update(*, ticket: Ticket, actor, changes: dict) -> Ticket:
    """Change editable fields; the type or priority recomputes the SLA deadlines."""
    errors: dict[str, list[str]] = {}
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        errors["fields"] = [f"Not editable here: {', '.join(sorted(unknown))}."]
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("shop", "group")
        .get(pk=ticket.pk)
    )
    cleaned = {}
    for name, value in changes.items():
        if name in ("subject", "description", "order_ref", "return_ref"):
            limit = {"subject": SUBJECT_MAX, "description": NOTE_MAX}.get(name, REF_MAX)
            cleaned[name] = _text(errors, name, value, limit, required=name == "subject")
        elif name == "priority":
            if value not in Priority.values:
                errors["priority"] = [f"One of: {', '.join(Priority.values)}."]
            cleaned[name] = value
        elif name == "ticket_type":
            cleaned[name] = ticket_type_resolve(value)
            if cleaned[name] is None:
                errors["ticket_type"] = ["No such active ticket type."]
        elif name == "group":
            if value is not None and not value.shops.filter(pk=ticket.shop_id).exists():
                errors["group"] = ["This group does not work on the ticket's shop."]
            cleaned[name] = value
    if errors:
        raise TicketInvalid(errors)
    entries = []
    for name, value in cleaned.items():
        old = getattr(ticket, name)
        if old == value:
            continue
        setattr(ticket, name, value)
        entries.append(
            history_entry(
                ticket=ticket, actor=actor, kind=TicketEvent.Kind.CHANGED, field=name, old=old,
                new=value,
            )
        )  # fmt: skip
    if not entries:
        return ticket
    if {"priority", "ticket_type"} & {e.field for e in entries}:
        policy = sla_policies().get((ticket.ticket_type_id, ticket.priority))
        sla_deadlines_set(ticket, policy=policy, calendar=work_calendar_for_shop(ticket.shop))
    ticket.save()
    history_append(entries)
    return ticket


@transaction.atomic
def ticket_note_add(*, ticket: Ticket, actor, body: str) -> TicketNote:
    errors: dict[str, list[str]] = {}
    body = _text(errors, "body", body, NOTE_MAX, required=True)
    if errors:
        raise TicketInvalid(errors)
    note = TicketNote.objects.create(ticket=ticket, author=actor, body=body)
    history_append(
        [history_entry(ticket=ticket, actor=actor, kind=TicketEvent.Kind.NOTE, new=body[:200])]
    )
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now())
    return note


@transaction.atomic
def ticket_attachments_add(*, ticket: Ticket, actor, urls: Sequence[str]) -> list[TicketAttachment]:
    errors: dict[str, list[str]] = {}
    cleaned = _urls(errors, urls)
    if errors:
        raise TicketInvalid(errors)
    rows = TicketAttachment.objects.bulk_create(
        [TicketAttachment(ticket=ticket, url=url, added_by=actor) for url in cleaned]
    )
    history_append(
        [
            history_entry(ticket=ticket, actor=actor, kind=TicketEvent.Kind.ATTACHMENT, new=url)
            for url in cleaned
        ]
    )
    return rows


@transaction.atomic
def ticket_conversation_link(*, ticket: Ticket, actor, conversation: Conversation) -> None:
    if conversation.shop_id != ticket.shop_id:
        raise TicketInvalid({"conversation": ["The conversation belongs to another shop."]})
    if ticket.conversations.filter(pk=conversation.pk).exists():
        return
    ticket.conversations.add(conversation)
    history_append(
        [
            history_entry(
                ticket=ticket, actor=actor, kind=TicketEvent.Kind.LINKED, new=conversation.pk
            )
        ]
    )
