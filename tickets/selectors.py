"""The only reads of tickets for the API and the admin, scoped to the user's shops with chat's
selectors: another group's ticket is indistinguishable from a missing one."""

from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, QuerySet
from django.utils import timezone

from chat.models import AgentGroup, Conversation, Message
from chat.selectors import BadCursor, cursor_decode, cursor_encode, scope_sql, shop_scope_filter
from integrations.models import Shop
from shopee_cs.security.roles import ROLE_ADMIN
from tickets.models import ACTIVE, Ticket, TicketEvent, TicketNote, TicketType
from tickets.sla import SLA_STATE_SQL, sla_state


def ticket_list_for_user(*, user: Any) -> QuerySet[Ticket]:
    return shop_scope_filter(Ticket.objects.all(), user=user)


def ticket_get_for_user(*, user: Any, ticket_id: int) -> Ticket:
    """Raises Ticket.DoesNotExist for another group's ticket (the API answers 404)."""
    return (
        ticket_list_for_user(user=user)
        .select_related("shop", "ticket_type", "group", "assignee", "merged_into")
        .get(pk=ticket_id)
    )


def ticket_history(*, ticket: Ticket) -> list[TicketEvent]:
    return list(ticket.events.select_related("actor").order_by("created_at", "id"))


def ticket_notes(*, ticket: Ticket) -> list[TicketNote]:
    return list(ticket.notes.select_related("author").order_by("created_at", "id"))


def ticket_attachments(*, ticket: Ticket) -> list[dict]:
    return list(ticket.attachments.order_by("created_at", "id").values("url", "created_at"))


def ticket_conversation_ids(*, ticket: Ticket) -> list[int]:
    return list(ticket.conversations.order_by("pk").values_list("pk", flat=True))


def ticket_transcripts(*, ticket: Ticket, per_conversation: int = 200) -> list[tuple]:
    """Each linked conversation with its last messages, oldest first (the ticket page)."""
    result = []
    for conversation in ticket.conversations.order_by("pk"):
        messages = Message.objects.filter(conversation=conversation).select_related("sender_user")
        latest = list(messages.order_by("-created_at", "-id")[:per_conversation])
        result.append((conversation, list(reversed(latest))))
    return result


def ticket_type_list() -> QuerySet[TicketType]:
    return TicketType.objects.filter(is_active=True).order_by("position", "name")


def conversations_get_for_user(*, user: Any, conversation_ids: list[int]) -> list[Conversation]:
    """The user's conversations among `conversation_ids` (missing or foreign ones left out)."""
    qs = shop_scope_filter(Conversation.objects.filter(pk__in=conversation_ids), user=user)
    return list(qs.select_related("shop", "group"))


def group_get_for_user(*, user: Any, group_id: int) -> AgentGroup | None:
    """A group that works on at least one of the user's shops, else None."""
    shops = shop_scope_filter(Shop.objects.all(), user=user, shop_field="pk")
    return AgentGroup.objects.filter(pk=group_id, shops__in=shops).distinct().first()


def shops_among(visible: list[int] | None) -> QuerySet[Shop]:
    """The shops of a resolved scope (`None`: all), for the admin's choices."""
    return Shop.objects.all() if visible is None else Shop.objects.filter(pk__in=visible)


def groups_working_on(visible: list[int] | None) -> QuerySet[AgentGroup]:
    """The agent groups that work on at least one of the shops (`None`: all)."""
    groups = AgentGroup.objects.all()
    return groups if visible is None else groups.filter(shops__in=visible).distinct()


def people_working_on(visible: list[int] | None) -> QuerySet:
    """Active members of those groups: who may be assigned a ticket of these shops."""
    groups = groups_working_on(visible)
    return (
        get_user_model()
        .objects.filter(is_active=True, agent_groups__in=groups)
        .distinct()
        .order_by("username")
    )


def user_get_active(*, user_id: int) -> Any | None:
    return get_user_model().objects.filter(pk=user_id, is_active=True).first()


# -- the API's list: one hand-written keyset statement (see chat.selectors' inbox page) -----------


@dataclass(frozen=True)
class TicketFilters:
    status: str = ""
    ticket_type: str = ""
    priority: str = ""
    group_id: int | None = None
    assignee_id: int | None = None
    mine: bool = False
    unassigned: bool = False
    shop_id: int | None = None
    site: str = ""
    sla: str = ""
    order_ref: str = ""
    return_ref: str = ""
    buyer: str = ""
    # The agent's queue: their active tickets and their groups' unassigned ones, due soonest first.
    queue: bool = False
    conversation_id: int | None = None


_COLUMNS = {
    "id": "t.id",
    "shop_id": "t.shop_id",
    "subject": "t.subject",
    "status": "t.status",
    "priority": "t.priority",
    "order_ref": "t.order_ref",
    "return_ref": "t.return_ref",
    "buyer_platform_id": "t.buyer_platform_id",
    "buyer_name": "t.buyer_name",
    "group_id": "t.group_id",
    "assignee_id": "t.assignee_id",
    "due_at": "t.due_at",
    "due_soon_at": "t.due_soon_at",
    "sla_paused_at": "t.sla_paused_at",
    "created_at": "t.created_at",
    "updated_at": "t.updated_at",
    "ticket_type__code": "k.code",
    "ticket_type__name": "k.name",
    "shop__name": "s.name",
    "shop__site": "s.site",
    "shop__platform": "s.platform",
    "assignee__username": "u.username",
    "assignee__first_name": "u.first_name",
    "assignee__last_name": "u.last_name",
}
TICKET_ROW_FIELDS = tuple(_COLUMNS)


@cache
def _head() -> str:
    columns = ", ".join(f'{column} AS "{name}"' for name, column in _COLUMNS.items())
    return (
        f"SELECT {columns} FROM {Ticket._meta.db_table} t"  # noqa: S608 (model names)
        f" JOIN {Shop._meta.db_table} s ON s.id = t.shop_id"
        f" JOIN {TicketType._meta.db_table} k ON k.id = t.ticket_type_id"
        f" LEFT JOIN {get_user_model()._meta.db_table} u ON u.id = t.assignee_id"
    )


def ticket_page_for_user(
    *, user: Any, filters: TicketFilters | None = None, cursor: str | None, size: int
) -> tuple[list[dict[str, Any]], str | None]:
    """One keyset page of the user's tickets (TICKET_ROW_FIELDS values plus `sla_state`),
    newest first, and the next page's cursor or None. Raises chat.selectors.BadCursor."""
    f = filters or TicketFilters()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return [], None
    head, where, params = _head(), ["TRUE"], []
    if not user.is_superuser:
        head = f"WITH scope AS ({scope_sql()}) {head} CROSS JOIN scope"
        where.append("(scope.admin OR t.shop_id = ANY(scope.shops))")
        params += [user.pk, ROLE_ADMIN, user.pk]
    now = timezone.now()
    conditions = (
        (f.status, "t.status = %s", [f.status]),
        (f.ticket_type, "k.code = %s", [f.ticket_type]),
        (f.priority, "t.priority = %s", [f.priority]),
        (f.group_id is not None, "t.group_id = %s", [f.group_id]),
        (f.assignee_id is not None, "t.assignee_id = %s", [f.assignee_id]),
        (f.mine, "t.assignee_id = %s", [user.pk]),
        (f.unassigned, "t.assignee_id IS NULL", []),
        (f.shop_id is not None, "t.shop_id = %s", [f.shop_id]),
        (f.site, "s.site = %s", [f.site]),
        (f.order_ref, "t.order_ref = %s", [f.order_ref]),
        (f.return_ref, "t.return_ref = %s", [f.return_ref]),
        (f.buyer, "(t.buyer_platform_id = %s OR t.buyer_name = %s)", [f.buyer, f.buyer]),
    )
    for wanted, condition, values in conditions:
        if wanted:
            where.append(condition)
            params += values
    if f.conversation_id is not None:
        link = Ticket.conversations.through._meta.db_table
        where.append(f"t.id IN (SELECT ticket_id FROM {link} WHERE conversation_id = %s)")  # noqa: S608
        params.append(f.conversation_id)
    if f.sla:
        condition, count = SLA_STATE_SQL[f.sla]
        where.append(condition)
        params += [now] * count
    if f.queue:
        members = AgentGroup.members.field
        my_groups = (
            f"SELECT {members.m2m_column_name()} FROM {members.m2m_db_table()}"  # noqa: S608
            f" WHERE {members.m2m_reverse_name()} = %s"
        )
        where.append(
            "t.status = ANY(%s) AND (t.assignee_id = %s"
            f" OR (t.assignee_id IS NULL AND t.group_id IN ({my_groups})))"
        )
        params += [list(ACTIVE), user.pk, user.pk]
        order = "t.due_at ASC NULLS LAST, t.id ASC"
        if cursor:
            due, pk = _queue_cursor_decode(cursor)
            if due is None:
                where.append("t.due_at IS NULL AND t.id > %s")
                params += [pk]
            else:
                where.append("(t.due_at IS NULL OR t.due_at > %s OR (t.due_at = %s AND t.id > %s))")
                params += [due, due, pk]
    else:
        order = "t.created_at DESC, t.id DESC"
        if cursor:
            at, pk = cursor_decode(cursor)
            where.append("t.created_at <= %s AND (t.created_at < %s OR t.id < %s)")
            params += [at, at, pk]
    sql = f"{head} WHERE {' AND '.join(where)} ORDER BY {order} LIMIT %s"
    with connection.cursor() as db:
        db.execute(sql, [*params, size + 1])
        rows = [dict(zip(TICKET_ROW_FIELDS, row, strict=True)) for row in db.fetchall()]
    more = len(rows) > size
    rows = rows[:size]
    for row in rows:
        row["sla_state"] = _row_sla_state(row, now)
    last = rows[-1] if rows else None
    if not (more and last):
        return rows, None
    if f.queue:
        return rows, _queue_cursor_encode(last["due_at"], last["id"])
    return rows, cursor_encode(last["created_at"], last["id"])


def _queue_cursor_encode(due: datetime | None, pk: int) -> str:
    # A ticket without a due time sorts last; "-" stands for it.
    raw = f"{due.isoformat() if due else '-'}|{pk}"
    return urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _queue_cursor_decode(cursor: str) -> tuple[datetime | None, int]:
    try:
        raw = urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.split("|")
        due = None if stamp == "-" else datetime.fromisoformat(stamp)
        if due is not None and due.tzinfo is None:
            raise ValueError("naive")
        return due, int(pk)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadCursor("Not a cursor of this list.") from exc


def ticket_rows_by_id(*, ticket_ids: list[int]) -> list[dict[str, Any]]:
    """The list's rows of these tickets, unscoped: what a live event carries to the shop's group."""
    if not ticket_ids:
        return []
    with connection.cursor() as db:
        db.execute(f"{_head()} WHERE t.id = ANY(%s) ORDER BY t.id", [list(ticket_ids)])
        rows = [dict(zip(TICKET_ROW_FIELDS, row, strict=True)) for row in db.fetchall()]
    now = timezone.now()
    for row in rows:
        row["sla_state"] = _row_sla_state(row, now)
    return rows


def open_ticket_counts(*, user: Any, conversation_ids: list[int]) -> dict[int, int]:
    """How many active tickets each of the user's conversations is linked to (only those with
    any; another group's conversation counts as none)."""
    tickets = ticket_list_for_user(user=user).filter(status__in=ACTIVE)
    link = Ticket.conversations.through
    rows = (
        link.objects.filter(conversation_id__in=conversation_ids, ticket__in=tickets)
        .values("conversation_id")
        .annotate(n=Count("ticket_id"))
        .values_list("conversation_id", "n")
    )
    return dict(rows)


def ticket_conversation_links(*, ticket_ids: list[int]) -> dict[int, list[int]]:
    """Each ticket's conversation ids, in one statement."""
    links: dict[int, list[int]] = {}
    rows = (
        Ticket.conversations.through.objects.filter(ticket_id__in=ticket_ids)
        .order_by("ticket_id", "conversation_id")
        .values_list("ticket_id", "conversation_id")
    )
    for ticket_id, conversation_id in rows:
        links.setdefault(ticket_id, []).append(conversation_id)
    return links


def conversation_open_ticket_counts(*, conversation_ids: list[int]) -> dict[int, int]:
    """The same counts, unscoped (for an event sent to the shop's group)."""
    if not conversation_ids:
        return {}
    link = Ticket.conversations.through
    rows = (
        link.objects.filter(conversation_id__in=conversation_ids, ticket__status__in=ACTIVE)
        .values("conversation_id")
        .annotate(n=Count("ticket_id"))
        .values_list("conversation_id", "n")
    )
    counts = dict(rows)
    return {pk: counts.get(pk, 0) for pk in conversation_ids}


def _row_sla_state(row: dict, now: datetime) -> str:
    return sla_state(
        status=row["status"],
        due_at=row["due_at"],
        due_soon_at=row["due_soon_at"],
        paused_at=row["sla_paused_at"],
        now=now,
    ).value
