"""The order, tracking and return cache behind the console's side panel.

Each refresh asks the marketplace first, with no transaction open and the database connection
handed back, then stores the answer in one short transaction (`*_fetch`, then `*_store`): push
processing stores it together with the push's status.
"""

from dataclasses import dataclass

from django.db import transaction

from chat.models import BuyerOrder, BuyerReturn, Conversation, Message
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
    ret = fetched
    with transaction.atomic():
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
    return cached


def return_refresh(*, shop: Shop, return_ref: str) -> BuyerReturn:
    return return_store(shop=shop, fetched=return_fetch(shop=shop, return_ref=return_ref))


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
