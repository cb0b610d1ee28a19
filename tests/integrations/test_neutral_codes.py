"""Vendor statuses and reasons map to neutral values with the raw value kept; one the adapter
has never seen is UNKNOWN, never an error. Stored rows are backfilled the same way."""

import importlib

import pytest
from django.apps import apps

from chat.models import BuyerOrder, BuyerReturn
from integrations.shopee import mapping as m
from integrations.types import (
    OrderStatus,
    OrderStatusPush,
    ReturnPush,
    ReturnReason,
    ReturnStatus,
    TrackingStatus,
)
from tests.factories import ShopFactory


def _order(status):
    return m.order_from_shopee({"order_sn": "A1", "order_status": status}, shop_id="1")


def _return(status, reason):
    return m.return_from_shopee({"return_sn": 7, "status": status, "reason": reason}, shop_id="1")


def test_known_codes_map_to_their_neutral_values():
    assert _order("READY_TO_SHIP").status_code is OrderStatus.TO_SHIP
    assert _order("TO_CONFIRM_RECEIVE").status_code is OrderStatus.DELIVERED
    ret = _return("REFUND_PAID", "MUITAL_AGREE")
    assert (ret.status_code, ret.reason_code) == (
        ReturnStatus.REFUNDED,
        ReturnReason.MUTUAL_AGREEMENT,
    )
    tracking = m.tracking_from_shopee("A1", {}, {"logistics_status": "LOGISTICS_PICKUP_DONE"})
    assert tracking.status_code is TrackingStatus.PICKED_UP


@pytest.mark.parametrize("raw", ["SOMETHING_NEW", "", "   ", "ready_to_ship_v2"])
def test_an_unknown_vendor_status_is_unknown_with_the_raw_value_kept(raw):
    order = _order(raw)
    assert (order.status_code, order.status) == (OrderStatus.UNKNOWN, raw)
    ret = _return(raw, raw)
    assert (ret.status_code, ret.reason_code) == (ReturnStatus.UNKNOWN, ReturnReason.UNKNOWN)
    assert (ret.status, ret.reason) == (raw, raw)
    tracking = m.tracking_from_shopee("A1", {}, {"logistics_status": raw})
    assert (tracking.status_code, tracking.status) == (TrackingStatus.UNKNOWN, raw)


def test_pushes_carry_both_the_raw_and_the_neutral_status():
    order = m.push_event_from_shopee(
        {"code": 3, "shop_id": 1, "data": {"ordersn": "A1", "status": "NEVER_SEEN"}}
    ).payload
    assert order == OrderStatusPush(order_ref="A1", status="NEVER_SEEN")
    assert order.status_code is OrderStatus.UNKNOWN
    ret = m.push_event_from_shopee(
        {"code": 29, "shop_id": 1, "data": {"return_sn": 5, "status": "ACCEPTED"}}
    ).payload
    assert ret == ReturnPush(return_ref="5", status="ACCEPTED", status_code=ReturnStatus.ACCEPTED)


@pytest.mark.django_db
def test_the_migration_backfills_neutral_values_from_the_stored_raw_ones():
    backfill = importlib.import_module(
        "chat.migrations.0013_neutral_order_and_return_statuses"
    ).backfill_neutral_codes
    shop = ShopFactory()
    orphan = ShopFactory(platform="gone")  # a platform whose adapter is no longer registered
    shipped = BuyerOrder.objects.create(
        shop=shop, order_ref="A", status="SHIPPED", tracking_status="LOGISTICS_LOST"
    )
    odd = BuyerOrder.objects.create(shop=shop, order_ref="B", status="NEW_ONE")
    lost = BuyerOrder.objects.create(shop=orphan, order_ref="C", status="SHIPPED")
    ret = BuyerReturn.objects.create(
        shop=shop, return_ref="R", order_ref="A", status="JUDGING", reason="NONRECEIPT"
    )
    backfill(apps, None)
    for row in (shipped, odd, lost, ret):
        row.refresh_from_db()
    assert (shipped.status_code, shipped.tracking_status_code) == ("shipped", "lost")
    assert (odd.status_code, odd.status) == ("unknown", "NEW_ONE")
    assert lost.status_code == "unknown"
    assert (ret.status_code, ret.reason_code) == ("in_review", "not_received")
