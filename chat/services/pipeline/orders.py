"""The order, tracking and return cache behind the console's side panel.

Each refresh asks the marketplace first, with no transaction open and the database connection
handed back, then stores the answer in one short transaction (`*_fetch`, then `*_store`): push
processing stores it together with the push's status.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from chat.models import BuyerOrder, BuyerReturn, Conversation, Message, ShopSyncState
from chat.signals import return_updated
from integrations import types
from integrations.adapters import get_adapter
from integrations.errors import AdapterError, NotFound
from integrations.models import Shop
from integrations.services.tokens import ShopNotConnected, shop_api_call

MAX_REFRESH = 20  # on-demand refresh is interactive: bound the marketplace calls


@dataclass(frozen=True)
class FetchedOrder:
    order: types.Order
    tracking: types.Tracking | None


def order_fetch(*, shop: Shop, order_ref: str) -> FetchedOrder | None:
    """One order and its tracking from the marketplace (None: it has no such order)."""
    adapter = get_adapter(shop.platform)

    def fetch(auth) -> FetchedOrder | None:
        order = adapter.get_order(auth, order_ref=order_ref)
        if order is None:
            return None
        try:
            return FetchedOrder(order, adapter.get_tracking(auth, order_ref=order_ref))
        except NotFound:
            return FetchedOrder(order, None)

    return shop_api_call(shop=shop, call=fetch)


def order_tracking_status(*, shop: Shop, order_ref: str) -> str | None:
    """The cached order's tracking status code (None: not cached yet)."""
    return (
        BuyerOrder.objects.filter(shop=shop, order_ref=order_ref)
        .values_list("tracking_status_code", flat=True)
        .first()
    )


def order_store(*, shop: Shop, fetched: FetchedOrder | None) -> BuyerOrder | None:
    if fetched is None:
        return None
    order, tracking = fetched.order, fetched.tracking
    items = [
        {
            "item_id": item.item_id,
            "name": item.name,
            "quantity": item.quantity,
            "variant": item.variant_name,
            "unit_price": str(item.unit_price) if item.unit_price is not None else "",
            "image_url": item.image_url,
        }
        for item in order.items
    ]
    tracking_number = (tracking.tracking_number if tracking else "") or next(
        iter(order.tracking_numbers), ""
    )
    with transaction.atomic():
        cached, _ = BuyerOrder.objects.update_or_create(
            shop=shop,
            order_ref=order.order_ref,
            defaults={
                "buyer_platform_id": order.buyer_id,
                "status": order.status,
                "status_code": order.status_code,
                "items": items,
                "total": str(order.total) if order.total is not None else "",
                "currency": order.currency,
                "tracking_number": tracking_number,
                "carrier": order.carrier,
                "tracking_status": tracking.status if tracking else "",
                "tracking_status_code": tracking.status_code if tracking else "unknown",
                "ship_by_at": order.ship_by,
                "platform_created_at": order.created_at,
                "platform_updated_at": order.updated_at,
            },
        )
    return cached


def order_refresh(*, shop: Shop, order_ref: str) -> BuyerOrder | None:
    """Fetch one order and its tracking from the marketplace and cache them."""
    return order_store(shop=shop, fetched=order_fetch(shop=shop, order_ref=order_ref))


def return_fetch(*, shop: Shop, return_ref: str) -> types.ReturnRequest:
    adapter = get_adapter(shop.platform)
    return shop_api_call(
        shop=shop, call=lambda auth: adapter.get_return(auth, return_ref=return_ref)
    )


def return_store(*, shop: Shop, fetched: types.ReturnRequest) -> BuyerReturn:
    """Cache one return; return_updated is sent after commit when it is new or its status or
    due date changed (a replayed push or an unchanged pull announces nothing)."""
    ret = fetched
    with transaction.atomic():
        before = (
            BuyerReturn.objects.select_for_update()
            .filter(shop=shop, return_ref=ret.return_ref)
            .values_list("status", "due_at")
            .first()
        )
        cached, _ = BuyerReturn.objects.update_or_create(
            shop=shop,
            return_ref=ret.return_ref,
            defaults={
                "order_ref": ret.order_ref,
                "status": ret.status,
                "status_code": ret.status_code,
                "reason": ret.reason[:255],
                "reason_code": ret.reason_code,
                "buyer_note": ret.buyer_note[:2000],
                "refund_amount": str(ret.refund_amount) if ret.refund_amount is not None else "",
                "currency": ret.currency,
                "due_at": ret.due_at,
                "platform_updated_at": ret.updated_at,
            },
        )
        if before != (ret.status, ret.due_at):
            transaction.on_commit(
                lambda: return_updated.send(sender=BuyerReturn, buyer_return=cached)
            )
    return cached


def return_refresh(*, shop: Shop, return_ref: str) -> BuyerReturn:
    return return_store(shop=shop, fetched=return_fetch(shop=shop, return_ref=return_ref))


# Each pull re-reads a little before the last one began (clocks differ, updates land late);
# a shop's first pull reaches back as far as one request to the marketplace may (15 days).
RETURNS_PULL_OVERLAP = timedelta(minutes=10)
RETURNS_FIRST_PULL = timedelta(days=15)
RETURNS_PAGE_SIZE, MAX_RETURN_PAGES = 50, 20


def returns_pull(*, shop: Shop) -> int:
    """Store the returns the marketplace updated since the last complete pull (each page is
    fetched with no transaction open, then each return stored and announced by return_store).
    The shop's cursor moves only once a pull completes. Returns how many were stored."""
    state, _ = ShopSyncState.objects.get_or_create(shop=shop)
    started = timezone.now()
    widest = started - RETURNS_FIRST_PULL  # after a long outage too: no wider window is asked
    since = max((state.returns_synced_until or widest) - RETURNS_PULL_OVERLAP, widest)
    adapter = get_adapter(shop.platform)
    cursor, stored = None, 0
    for _ in range(MAX_RETURN_PAGES):
        page = shop_api_call(
            shop=shop,
            call=lambda auth, cursor=cursor: adapter.get_returns(
                auth, updated_from=since, cursor=cursor, page_size=RETURNS_PAGE_SIZE
            ),
        )
        for ret in page.items:
            return_store(shop=shop, fetched=ret)
        stored += len(page.items)
        if not page.has_more:
            ShopSyncState.objects.filter(pk=state.pk).update(returns_synced_until=started)
            return stored
        cursor = page.next_cursor
    return stored  # more than a run's pages: the next run starts again from the same point


@dataclass(frozen=True)
class RefreshReport:
    refreshed: int
    errors: list[str]


def buyer_orders_refresh(*, conversation: Conversation) -> RefreshReport:
    """Refresh every order we know for this buyer in this shop (cached orders and orders that
    appeared as order cards in the chat), then their returns. Marketplace errors are collected
    per order, so one bad order does not hide the others."""
    shop = conversation.shop
    refs = set(
        BuyerOrder.objects.filter(
            shop=shop, buyer_platform_id=conversation.buyer_platform_id
        ).values_list("order_ref", flat=True)
    )
    refs |= {
        ref
        for ref in Message.objects.filter(
            conversation=conversation, payload__has_key="order_ref"
        ).values_list("payload__order_ref", flat=True)
        if ref
    }
    refreshed, errors = 0, []
    for ref in sorted(refs)[:MAX_REFRESH]:
        try:
            order_refresh(shop=shop, order_ref=ref)
            refreshed += 1
        except ShopNotConnected as exc:
            return RefreshReport(refreshed, [*errors, exc.reason])
        except AdapterError as exc:
            errors.append(f"{ref}: {exc}")
    for return_ref in BuyerReturn.objects.filter(shop=shop, order_ref__in=refs).values_list(
        "return_ref", flat=True
    ):
        try:
            return_refresh(shop=shop, return_ref=return_ref)
        except AdapterError as exc:
            errors.append(f"{return_ref}: {exc}")
    return RefreshReport(refreshed, errors)
