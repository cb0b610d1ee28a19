"""Row-level scoping. The only way views, APIs and consumers get shop-owned rows.

An agent (or supervisor) sees the shops of the agent groups they are a member of; admins
(superusers or the Admin role) see all shops; inactive or anonymous users see none. Later
selectors (conversation_list_for_agent, ...) build on `shop_scope_filter`.
"""

from typing import Any

from django.db.models import QuerySet

from chat.models import AgentGroup
from integrations.models import Shop
from shopee_cs.security.roles import user_is_admin


def _visible_shop_ids(user: Any) -> QuerySet | None:
    """None means "all shops" (admin); otherwise a subquery of the visible shop ids."""
    if user_is_admin(user):
        return None
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Shop.objects.none().values("pk")
    return AgentGroup.shops.through.objects.filter(agentgroup__members=user).values("shop_id")


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
