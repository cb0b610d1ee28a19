"""The order, tracking and return cache behind the console's side panel."""

from django.db import transaction

from chat.models import BuyerOrder, BuyerReturn
from integrations.adapters import get_adapter
from integrations.errors import NotFound
from integrations.models import Shop
from integrations.services.tokens import shop_auth_get


def order_refresh(*, shop: Shop, order_ref: str) -> BuyerOrder | None:
    """Fetch one order and its tracking from the marketplace and cache them."""
    adapter = get_adapter(shop.platform)
    auth = shop_auth_get(shop=shop)
    order = adapter.get_order(auth, order_ref=order_ref)
    if order is None:
        return None
    try:
        tracking = adapter.get_tracking(auth, order_ref=order_ref)
    except NotFound:
        tracking = None
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
                "items": items,
                "total": str(order.total) if order.total is not None else "",
                "currency": order.currency,
                "tracking_number": tracking_number,
                "carrier": order.carrier,
                "tracking_status": tracking.status if tracking else "",
                "platform_created_at": order.created_at,
                "platform_updated_at": order.updated_at,
            },
        )
    return cached


def return_refresh(*, shop: Shop, return_ref: str) -> BuyerReturn:
    adapter = get_adapter(shop.platform)
    ret = adapter.get_return(shop_auth_get(shop=shop), return_ref=return_ref)
    with transaction.atomic():
        cached, _ = BuyerReturn.objects.update_or_create(
            shop=shop,
            return_ref=ret.return_ref,
            defaults={
                "order_ref": ret.order_ref,
                "status": ret.status,
                "reason": ret.reason[:255],
                "refund_amount": str(ret.refund_amount) if ret.refund_amount is not None else "",
                "currency": ret.currency,
                "due_at": ret.due_at,
                "platform_updated_at": ret.updated_at,
            },
        )
    return cached
