"""Row-level scoping. The only way views, APIs and consumers get shop-owned rows.

An agent (or supervisor) sees the shops of the agent groups they are a member of; admins
(superusers or the Admin role) see all shops; inactive or anonymous users see none. Selectors
build on `shop_scope_filter`; the inbox page resolves the same scope (`scope_sql`) inside its
own statement.
"""

from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce

from chat.models import (
    AgentGroup,
    BuyerOrder,
    BuyerReturn,
    Conversation,
    InboundEvent,
    LiveEvent,
    Message,
)
from integrations.models import Shop
from shopee_cs.security.roles import ROLE_ADMIN


@cache
def scope_sql() -> str:
    """One row: whether the user (first parameter) holds the Admin role (second parameter), and
    the shops of their agent groups (third parameter: the user again). Written as SQL because
    composing the ORM form (Exists plus ArraySubquery over two through tables) cost more than
    running it, on every API request (BM4)."""
    user_groups = get_user_model()._meta.get_field("groups")
    group_shops, group_members = AgentGroup.shops.field, AgentGroup.members.field
    # Only table and column names from the models are formatted in; values are parameters.
    return f"""
        SELECT EXISTS (
            SELECT 1 FROM {user_groups.m2m_db_table()} ug
            JOIN {Group._meta.db_table} g ON g.id = ug.{user_groups.m2m_reverse_name()}
            WHERE ug.{user_groups.m2m_column_name()} = %s AND g.name = %s) AS admin,
        ARRAY (
            SELECT DISTINCT gs.{group_shops.m2m_reverse_name()}
            FROM {group_shops.m2m_db_table()} gs
            JOIN {group_members.m2m_db_table()} gm
              ON gm.{group_members.m2m_column_name()} = gs.{group_shops.m2m_column_name()}
            WHERE gm.{group_members.m2m_reverse_name()} = %s) AS shops
    """  # noqa: S608 (model names only)


def visible_shop_ids(user: Any) -> list[int] | None:
    """None means "all shops" (admin); otherwise the visible shop ids, as a constant list for
    the other selectors' filters. (The inbox page resolves the same scope inside its own
    statement.)"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return None
    with connection.cursor() as cursor:
        cursor.execute(scope_sql(), [user.pk, ROLE_ADMIN, user.pk])
        admin, shop_ids = cursor.fetchone()
    return None if admin else list(shop_ids)


def shop_list_for_user(*, user: Any) -> QuerySet[Shop]:
    visible = visible_shop_ids(user)
    shops = Shop.objects.all() if visible is None else Shop.objects.filter(pk__in=visible)
    return shops.order_by("site", "name")


def shop_get_for_user(*, user: Any, shop_id: int) -> Shop:
    """Raises Shop.DoesNotExist for shops the user may not see (views answer 404, not 403)."""
    return shop_list_for_user(user=user).get(pk=shop_id)


def shop_ids_for_user(*, user: Any) -> set[int]:
    return set(shop_list_for_user(user=user).values_list("pk", flat=True))


def shop_scope_filter(queryset: QuerySet, *, user: Any, shop_field: str = "shop") -> QuerySet:
    """Restrict any queryset with a FK to Shop (`shop_field`) to the user's shops."""
    visible = visible_shop_ids(user)
    if visible is None:
        return queryset
    return queryset.filter(**{f"{shop_field}__in": visible})


# -- console: conversations, messages, orders, live events ---------------------------------------


class BadCursor(ValueError):
    """A cursor that did not come from us (APIs answer 400)."""


def cursor_encode(at, pk: int) -> str:
    raw = f"{at.isoformat()}|{pk}"
    return urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _cursor_parts(cursor: str, times: int) -> tuple[list[datetime], int]:
    """The `times` aware datetimes and the id a cursor holds; BadCursor for anything else."""
    try:
        raw = urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        *stamps, pk = raw.split("|")
        if len(stamps) != times:
            raise ValueError("parts")
        parsed = [datetime.fromisoformat(stamp) for stamp in stamps]
        if any(at.tzinfo is None for at in parsed):
            raise ValueError("naive")
        return parsed, int(pk)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadCursor("Invalid cursor.") from exc


def cursor_decode(cursor: str) -> tuple[datetime, int]:
    (at,), pk = _cursor_parts(cursor, 1)
    return at, pk


@dataclass(frozen=True)
class ConversationFilters:
    shop_id: int | None = None
    site: str = ""
    platform: str = ""
    status: str = ""
    mine: bool = False
    unassigned: bool = False
    awaiting_reply: bool = False


# What an inbox row shows (chat.serializers.conversation_rows): the busiest query reads no more.
# Each name is a column of the conversation (c), its shop (s) or its assignee (u).
_INBOX_COLUMNS = {
    "id": "c.id",
    "shop_id": "c.shop_id",
    "buyer_name": "c.buyer_name",
    "buyer_platform_id": "c.buyer_platform_id",
    "buyer_avatar_url": "c.buyer_avatar_url",
    "status": "c.status",
    "assignee_id": "c.assignee_id",
    "unread_count": "c.unread_count",
    "last_message_at": "c.last_message_at",
    "last_message_preview": "c.last_message_preview",
    "awaiting_reply_since": "c.awaiting_reply_since",
    "tags": "c.tags",
    "shop__id": "s.id",
    "shop__name": "s.name",
    "shop__site": "s.site",
    "shop__platform": "s.platform",
    "shop__first_response_target_seconds": "s.first_response_target_seconds",
    "assignee__id": "u.id",
    "assignee__first_name": "u.first_name",
    "assignee__last_name": "u.last_name",
    "assignee__username": "u.username",
}
INBOX_ROW_FIELDS = tuple(_INBOX_COLUMNS)


@cache
def _inbox_sql_head() -> str:
    columns = ", ".join(f'{column} AS "{name}"' for name, column in _INBOX_COLUMNS.items())
    return (
        f"SELECT {columns} FROM {Conversation._meta.db_table} c"  # noqa: S608 (model names)
        f" JOIN {Shop._meta.db_table} s ON s.id = c.shop_id"
        f" LEFT JOIN {get_user_model()._meta.db_table} u ON u.id = c.assignee_id"
    )


def conversation_page_for_user(
    *, user: Any, filters: ConversationFilters | None = None, cursor: str | None, size: int
) -> tuple[list[dict[str, Any]], str | None]:
    """One keyset page of the inbox (INBOX_ROW_FIELDS values), newest activity first, scoped to
    the user's shops, and the cursor of the next page, or None at the end. Conversations without
    any message yet (no last_message_at) are not listed: there is nothing to answer.

    One statement built by hand: the ORM spent longer composing this query than PostgreSQL
    spent running it, on the busiest endpoint (BM4). Every value is a parameter.
    """
    f = filters or ConversationFilters()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return [], None
    head, where, params = _inbox_sql_head(), ["c.last_message_at IS NOT NULL"], []
    if not user.is_superuser:
        # The scope is resolved inside the statement (evaluated once, as a constant array):
        # one round trip for the page instead of two.
        head = f"WITH scope AS ({scope_sql()}) {head} CROSS JOIN scope"
        where.append("(scope.admin OR c.shop_id = ANY(scope.shops))")
        params += [user.pk, ROLE_ADMIN, user.pk]
    conditions = (
        (f.shop_id is not None, "c.shop_id = %s", [f.shop_id]),
        (f.site, "s.site = %s", [f.site]),
        (f.platform, "s.platform = %s", [f.platform]),
        (f.status, "c.status = %s", [f.status]),
        (f.mine, "c.assignee_id = %s", [user.pk]),
        (f.unassigned, "c.assignee_id IS NULL", []),
        (f.awaiting_reply, "c.awaiting_reply_since IS NOT NULL", []),
    )
    for wanted, condition, values in conditions:
        if wanted:
            where.append(condition)
            params += values
    if cursor:
        # The `<=` on the leading column lets PostgreSQL start the index scan at the cursor.
        at, pk = cursor_decode(cursor)
        where.append("c.last_message_at <= %s AND (c.last_message_at < %s OR c.id < %s)")
        params += [at, at, pk]
    sql = f"{head} WHERE {' AND '.join(where)} ORDER BY c.last_message_at DESC, c.id DESC LIMIT %s"
    with connection.cursor() as db:
        db.execute(sql, [*params, size + 1])
        rows = [dict(zip(INBOX_ROW_FIELDS, row, strict=True)) for row in db.fetchall()]
    more = len(rows) > size
    rows = rows[:size]
    last = rows[-1] if rows else None
    return rows, cursor_encode(last["last_message_at"], last["id"]) if more and last else None


def conversation_get_for_user(*, user: Any, conversation_id: int) -> Conversation:
    """Raises Conversation.DoesNotExist for another group's conversation (APIs answer 404)."""
    return (
        shop_scope_filter(Conversation.objects.all(), user=user)
        .select_related("shop", "assignee")
        .get(pk=conversation_id)
    )


# A thread's order: the marketplace's time (pushes and pulls arrive in any order), then ours,
# which is also the only time of a message the marketplace has not acknowledged yet, then the id.
# The index msg_conv_thread holds it, newest first.
THREAD_AT = Coalesce("platform_created_at", "created_at")
THREAD_NEWEST_FIRST = ("-thread_at", "-created_at", "-id")


def message_thread_at(message: Message) -> datetime:
    return message.platform_created_at or message.created_at


def _thread_cursor_encode(message: Message) -> str:
    raw = f"{message_thread_at(message).isoformat()}|{message.created_at.isoformat()}|{message.pk}"
    return urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _thread_before(queryset: QuerySet, cursor: str | None) -> QuerySet:
    """Keyset step: messages strictly before the cursor's in the thread's newest-first order.
    The `lte` on the index's leading time lets PostgreSQL start the scan at the cursor."""
    if not cursor:
        return queryset
    (at, created_at), pk = _cursor_parts(cursor, 2)
    same_at = Q(thread_at=at)
    return queryset.filter(thread_at__lte=at).filter(
        Q(thread_at__lt=at)
        | (same_at & Q(created_at__lt=created_at))
        | (same_at & Q(created_at=created_at, pk__lt=pk))
    )


def message_page_for_conversation(
    *, conversation: Conversation, cursor: str | None, size: int
) -> tuple[list[Message], str | None]:
    """The thread's newest messages, going back from `cursor`; returned oldest-first for
    display, with the cursor of the page before it (None at the start)."""
    qs = Message.objects.filter(conversation=conversation).alias(thread_at=THREAD_AT)
    rows = list(_thread_before(qs, cursor).order_by(*THREAD_NEWEST_FIRST)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    older = _thread_cursor_encode(rows[-1]) if more and rows else None
    return list(reversed(rows)), older


def message_get_for_user(*, user: Any, message_id: int) -> Message:
    return (
        shop_scope_filter(Message.objects.all(), user=user)
        .select_related("conversation__shop", "delivery")
        .get(pk=message_id)
    )


def message_latest_inbound(*, conversation: Conversation) -> Message | None:
    return (
        Message.objects.filter(
            conversation=conversation,
            direction=Message.Direction.INBOUND,
            platform_message_id__isnull=False,
        )
        .alias(thread_at=THREAD_AT)
        .order_by(*THREAD_NEWEST_FIRST)
        .first()
    )


def buyer_orders_for_conversation(*, conversation: Conversation) -> list[BuyerOrder]:
    """The buyer's cached orders in this conversation's shop, newest first, each with
    `returns` (its cached return requests) attached: two queries whatever the count."""
    orders = list(
        BuyerOrder.objects.filter(
            shop_id=conversation.shop_id, buyer_platform_id=conversation.buyer_platform_id
        ).order_by(F("platform_created_at").desc(nulls_last=True), "-id")[:20]
    )
    returns: dict[str, list[BuyerReturn]] = {}
    if orders:
        for ret in BuyerReturn.objects.filter(
            shop_id=conversation.shop_id, order_ref__in=[o.order_ref for o in orders]
        ).order_by("-id"):
            returns.setdefault(ret.order_ref, []).append(ret)
    for order in orders:
        order.returns = returns.get(order.order_ref, [])
    return orders


def live_event_list_for_user(*, user: Any, after_id: int, limit: int) -> list[LiveEvent]:
    """Events after `after_id` in the user's shops, oldest first (websocket replay)."""
    qs = shop_scope_filter(LiveEvent.objects.filter(pk__gt=after_id), user=user)
    return list(qs.order_by("id")[:limit])


def inbound_events_parked_count() -> int:
    return InboundEvent.objects.filter(status=InboundEvent.Status.PARKED).count()


def live_events_missing_after(*, after_id: int) -> bool:
    """Whether events after `after_id` may have been purged: the oldest kept one is not the
    next (a gap left by a rolled-back insert also counts: a resync is harmless)."""
    if after_id <= 0:
        return False
    oldest = LiveEvent.objects.order_by("id").values_list("pk", flat=True).first()
    return oldest is None or oldest > after_id + 1


def live_event_last_id() -> int:
    last = LiveEvent.objects.order_by("-id").values_list("pk", flat=True).first()
    return last or 0


def awaiting_reply_for_user(*, user: Any, limit: int = 500) -> list[Conversation]:
    """Open conversations whose first-response clock runs (the countdown snapshot)."""
    qs = shop_scope_filter(
        Conversation.objects.filter(awaiting_reply_since__isnull=False).select_related("shop"),
        user=user,
    )
    return list(qs.order_by("awaiting_reply_since")[:limit])


def assignee_get_for_conversation(*, conversation: Conversation, user_id: int) -> Any | None:
    """The active user `user_id` if they may see the conversation's shop (an assignment
    target), else None."""
    candidate = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if candidate is None or conversation.shop_id not in shop_ids_for_user(user=candidate):
        return None
    return candidate


def conversation_ids_for_rebuild(*, platform_shop_id: str | None = None) -> list[int] | None:
    """Every conversation's id (of one shop, by its platform id), oldest first; None when that
    shop does not exist."""
    conversations = Conversation.objects.all()
    if platform_shop_id:
        shop = Shop.objects.filter(platform_shop_id=platform_shop_id).first()
        if shop is None:
            return None
        conversations = conversations.filter(shop=shop)
    return list(conversations.order_by("pk").values_list("pk", flat=True))
