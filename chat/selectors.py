"""Row-level scoping. The only way views, APIs and consumers get shop-owned rows.

An agent (or supervisor) sees the shops of the agent groups they are a member of; admins
(superusers or the Admin role) see all shops; inactive or anonymous users see none. Later
selectors (conversation_list_for_agent, ...) build on `shop_scope_filter`.
"""

from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from chat.models import (
    AgentGroup,
    BuyerOrder,
    BuyerReturn,
    Conversation,
    LiveEvent,
    Message,
    SavedReply,
)
from integrations.models import Shop
from shopee_cs.security.roles import ROLE_ADMIN


def _visible_shop_ids(user: Any) -> list[int] | None:
    """None means "all shops" (admin); otherwise the visible shop ids.

    One query answers both the Admin role and the shops of the user's agent groups, resolved
    into a constant list rather than a subquery: the inbox query then plans like a plain keyset
    scan and compiles much faster (BM4).
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return None
    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            admin=Exists(Group.objects.filter(user=OuterRef("pk"), name=ROLE_ADMIN)),
            shop_ids=ArraySubquery(
                AgentGroup.shops.through.objects.filter(agentgroup__members=OuterRef("pk"))
                .values("shop_id")
                .distinct()
            ),
        )
        .values_list("admin", "shop_ids")
        .first()
    )
    if row is None:
        return []
    admin, shop_ids = row
    return None if admin else list(shop_ids)


def shop_list_for_user(*, user: Any) -> QuerySet[Shop]:
    visible = _visible_shop_ids(user)
    shops = Shop.objects.all() if visible is None else Shop.objects.filter(pk__in=visible)
    return shops.order_by("site", "name")


def shop_get_for_user(*, user: Any, shop_id: int) -> Shop:
    """Raises Shop.DoesNotExist for shops the user may not see (views answer 404, not 403)."""
    return shop_list_for_user(user=user).get(pk=shop_id)


def shop_ids_for_user(*, user: Any) -> set[int]:
    return set(shop_list_for_user(user=user).values_list("pk", flat=True))


def shop_scope_filter(queryset: QuerySet, *, user: Any, shop_field: str = "shop") -> QuerySet:
    """Restrict any queryset with a FK to Shop (`shop_field`) to the user's shops."""
    visible = _visible_shop_ids(user)
    if visible is None:
        return queryset
    return queryset.filter(**{f"{shop_field}__in": visible})


# -- console: conversations, messages, orders, live events ---------------------------------------


class BadCursor(ValueError):
    """A cursor that did not come from us (APIs answer 400)."""


def cursor_encode(at, pk: int) -> str:
    raw = f"{at.isoformat()}|{pk}"
    return urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_decode(cursor: str) -> tuple[datetime, int]:
    try:
        raw = urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, pk = raw.split("|")
        parsed = datetime.fromisoformat(at)
        if parsed.tzinfo is None:
            raise ValueError("naive")
        return parsed, int(pk)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadCursor("Invalid cursor.") from exc


def _before(queryset: QuerySet, field: str, cursor: str | None) -> QuerySet:
    """Keyset step: rows strictly before (at, pk) in (field DESC, id DESC) order. The `lte` on the
    leading column lets PostgreSQL start the index scan at the cursor instead of filtering."""
    if not cursor:
        return queryset
    at, pk = cursor_decode(cursor)
    return queryset.filter(**{f"{field}__lte": at}).filter(Q(**{f"{field}__lt": at}) | Q(pk__lt=pk))


@dataclass(frozen=True)
class ConversationFilters:
    shop_id: int | None = None
    site: str = ""
    platform: str = ""
    status: str = ""
    mine: bool = False
    unassigned: bool = False
    awaiting_reply: bool = False


def conversation_list_for_user(
    *, user: Any, filters: ConversationFilters | None = None
) -> QuerySet:
    """The inbox, newest activity first, scoped to the user's shops. Conversations without any
    message yet (no last_message_at) are not listed: there is nothing to answer."""
    f = filters or ConversationFilters()
    qs = shop_scope_filter(
        Conversation.objects.filter(last_message_at__isnull=False), user=user
    ).select_related("shop", "assignee")
    if f.shop_id is not None:
        qs = qs.filter(shop_id=f.shop_id)
    if f.site:
        qs = qs.filter(shop__site=f.site)
    if f.platform:
        qs = qs.filter(shop__platform=f.platform)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.mine:
        qs = qs.filter(assignee=user)
    if f.unassigned:
        qs = qs.filter(assignee__isnull=True)
    if f.awaiting_reply:
        qs = qs.filter(awaiting_reply_since__isnull=False)
    return qs.order_by("-last_message_at", "-id")


# What an inbox row shows (chat.serializers.conversation_rows): the busiest query reads no more.
INBOX_ROW_FIELDS = (
    "id",
    "shop_id",
    "buyer_name",
    "buyer_platform_id",
    "buyer_avatar_url",
    "status",
    "assignee_id",
    "unread_count",
    "last_message_at",
    "last_message_preview",
    "awaiting_reply_since",
    "shop__id",
    "shop__name",
    "shop__site",
    "shop__platform",
    "assignee__id",
    "assignee__first_name",
    "assignee__last_name",
    "assignee__username",
)


def conversation_page_for_user(
    *, user: Any, filters: ConversationFilters | None = None, cursor: str | None, size: int
) -> tuple[list[dict[str, Any]], str | None]:
    """One keyset page of INBOX_ROW_FIELDS values (one query, no model instances) and the cursor
    of the next, or None at the end."""
    qs = _before(conversation_list_for_user(user=user, filters=filters), "last_message_at", cursor)
    rows = list(qs.values(*INBOX_ROW_FIELDS)[: size + 1])
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


def message_page_for_conversation(
    *, conversation: Conversation, cursor: str | None, size: int
) -> tuple[list[Message], str | None]:
    """Newest messages first, going back in time; returned oldest-first for display."""
    qs = Message.objects.filter(conversation=conversation).order_by("-created_at", "-id")
    rows = list(_before(qs, "created_at", cursor)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    older = cursor_encode(rows[-1].created_at, rows[-1].pk) if more and rows else None
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
        .order_by("-created_at", "-id")
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


def saved_reply_list_for_conversation(*, conversation: Conversation) -> QuerySet[SavedReply]:
    return SavedReply.objects.filter(
        Q(shop__isnull=True) | Q(shop_id=conversation.shop_id), is_active=True
    ).order_by("title", "id")


def saved_reply_list_for_user(*, user: Any, shop_id: int | None = None) -> QuerySet[SavedReply]:
    scoped = shop_scope_filter(SavedReply.objects.filter(shop__isnull=False), user=user)
    qs = SavedReply.objects.filter(Q(shop__isnull=True) | Q(pk__in=scoped.values("pk")))
    if shop_id is not None:
        qs = qs.filter(Q(shop__isnull=True) | Q(shop_id=shop_id))
    return qs.filter(is_active=True).order_by("title", "id")


def live_event_list_for_user(*, user: Any, after_id: int, limit: int) -> list[LiveEvent]:
    """Events after `after_id` in the user's shops, oldest first (websocket replay)."""
    qs = shop_scope_filter(LiveEvent.objects.filter(pk__gt=after_id), user=user)
    return list(qs.order_by("id")[:limit])


def live_event_last_id() -> int:
    last = LiveEvent.objects.order_by("-id").values_list("pk", flat=True).first()
    return last or 0


def awaiting_reply_for_user(*, user: Any, limit: int = 500) -> list[Conversation]:
    """Open conversations whose first-response clock runs (the countdown snapshot)."""
    qs = shop_scope_filter(
        Conversation.objects.filter(awaiting_reply_since__isnull=False), user=user
    )
    return list(qs.order_by("awaiting_reply_since")[:limit])


def assignee_get_for_conversation(*, conversation: Conversation, user_id: int) -> Any | None:
    """The active user `user_id` if they may see the conversation's shop (an assignment
    target), else None."""
    candidate = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if candidate is None or conversation.shop_id not in shop_ids_for_user(user=candidate):
        return None
    return candidate
