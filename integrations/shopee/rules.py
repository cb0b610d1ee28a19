"""Shopee's send rules and its status and reason codes, as data for the platform-neutral app.

The send rules are Shopee's (doc §5.4); the codes are those its order, logistics and returns
APIs answer with (doc §7, §8), each mapped to the neutral value the console words.
"""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from integrations.types import (
    BuyerActivity,
    BuyerWindow,
    MessageKind,
    OrderStatus,
    ReturnReason,
    ReturnStatus,
    SendPolicy,
    TrackingStatus,
)

SEND_POLICY = SendPolicy(
    marketplace="Shopee",
    max_text_length=600,
    max_unanswered=5,
    buyer_windows=(
        BuyerWindow(BuyerActivity.CHATTED, timedelta(days=7)),
        BuyerWindow(BuyerActivity.ORDERED, timedelta(days=30)),
        BuyerWindow(BuyerActivity.OPEN_RETURN),
    ),
    duplicate_window=timedelta(hours=24),
    refused_sites=frozenset({"TW"}),  # no chat sending through the API on TW
    reply_elsewhere=_("Seller Centre"),
    kinds=frozenset(
        {
            MessageKind.TEXT,
            MessageKind.IMAGE,
            MessageKind.STICKER,
            MessageKind.ITEM,
            MessageKind.ORDER,
        }
    ),
)

ORDER_STATUSES = {
    "UNPAID": OrderStatus.UNPAID,
    "PENDING": OrderStatus.PENDING,
    "INVOICE_PENDING": OrderStatus.PENDING,
    "READY_TO_SHIP": OrderStatus.TO_SHIP,
    "PROCESSED": OrderStatus.PROCESSED,
    "RETRY_SHIP": OrderStatus.SHIPPED,
    "SHIPPED": OrderStatus.SHIPPED,
    "TO_CONFIRM_RECEIVE": OrderStatus.DELIVERED,
    "COMPLETED": OrderStatus.COMPLETED,
    "IN_CANCEL": OrderStatus.CANCELLING,
    "CANCELLED": OrderStatus.CANCELLED,
    "TO_RETURN": OrderStatus.RETURNING,
}

TRACKING_STATUSES = {
    "LOGISTICS_NOT_START": TrackingStatus.NOT_STARTED,
    "LOGISTICS_PENDING_ARRANGE": TrackingStatus.TO_ARRANGE,
    "LOGISTICS_READY": TrackingStatus.READY,
    "LOGISTICS_REQUEST_CREATED": TrackingStatus.PICKUP_REQUESTED,
    "LOGISTICS_PICKUP_RETRY": TrackingStatus.PICKUP_RETRY,
    "LOGISTICS_PICKUP_FAILED": TrackingStatus.PICKUP_FAILED,
    "LOGISTICS_PICKUP_DONE": TrackingStatus.PICKED_UP,
    "LOGISTICS_DELIVERY_DONE": TrackingStatus.DELIVERED,
    "LOGISTICS_DELIVERY_FAILED": TrackingStatus.DELIVERY_FAILED,
    "LOGISTICS_COD_REJECTED": TrackingStatus.COD_REFUSED,
    "LOGISTICS_REQUEST_CANCELED": TrackingStatus.CANCELLED,
    "LOGISTICS_LOST": TrackingStatus.LOST,
    "LOGISTICS_INVALID": TrackingStatus.INVALID,
}

RETURN_STATUSES = {
    "REQUESTED": ReturnStatus.REQUESTED,
    "ACCEPTED": ReturnStatus.ACCEPTED,
    "PROCESSING": ReturnStatus.PROCESSING,
    "JUDGING": ReturnStatus.IN_REVIEW,
    "SELLER_DISPUTE": ReturnStatus.DISPUTED,
    "REFUND_PAID": ReturnStatus.REFUNDED,
    "CLOSED": ReturnStatus.CLOSED,
    "CANCELLED": ReturnStatus.CANCELLED,
}

# Shopee's guides spell some reasons two ways (NONRECEIPT / NOT_RECEIPT, MUITAL_AGREE sic /
# MUTUAL_AGREE): both are here.
RETURN_REASONS = {
    "NONE": ReturnReason.NONE,
    "NO_REASON": ReturnReason.NONE,
    "NONRECEIPT": ReturnReason.NOT_RECEIVED,
    "NOT_RECEIPT": ReturnReason.NOT_RECEIVED,
    "WRONG_ITEM": ReturnReason.WRONG_ITEM,
    "SELLER_SENT_WRONG_ITEM": ReturnReason.SELLER_SENT_WRONG_ITEM,
    "ITEM_DAMAGED": ReturnReason.DAMAGED,
    "DAMAGED_PRODUCT": ReturnReason.DAMAGED,
    "ITEM_WRONGDAMAGED": ReturnReason.WRONG_OR_DAMAGED,
    "DIFF_DESC": ReturnReason.NOT_AS_DESCRIBED,
    "DIFFERENT_DESCRIPTION": ReturnReason.NOT_AS_DESCRIBED,
    "MUITAL_AGREE": ReturnReason.MUTUAL_AGREEMENT,
    "MUTUAL_AGREE": ReturnReason.MUTUAL_AGREEMENT,
    "CHANGE_MIND": ReturnReason.CHANGED_MIND,
    "CHANGE_OF_MIND": ReturnReason.CHANGED_MIND,
    "OTHER": ReturnReason.OTHER,
    "USED": ReturnReason.USED,
    "ITEM_MISSING": ReturnReason.MISSING_PARTS,
    "EXPECTATION_FAILED": ReturnReason.EXPECTATION_FAILED,
    "ITEM_FAKE": ReturnReason.COUNTERFEIT,
    "PHYSICAL_DMG": ReturnReason.PHYSICAL_DAMAGE,
    "FUNCTIONAL_DMG": ReturnReason.NOT_WORKING,
    "ITEM_NOT_FIT": ReturnReason.DOES_NOT_FIT,
    "SUSPICIOUS_PARCEL": ReturnReason.SUSPICIOUS_PARCEL,
    "EXPIRED_PRODUCT": ReturnReason.EXPIRED,
    "WRONG_ORDER_INFO": ReturnReason.WRONG_ORDER_INFO,
    "WRONG_ADDRESS": ReturnReason.WRONG_ADDRESS,
    "SPILLED_CONTENTS": ReturnReason.SPILLED,
    "BROKEN_PRODUCTS": ReturnReason.BROKEN,
    "DAMAGED_PACKAGE": ReturnReason.PACKAGE_DAMAGED,
    "SCRATCHED": ReturnReason.SCRATCHED,
    "DAMAGED_OTHERS": ReturnReason.OTHER_DAMAGE,
    "SIZE_DEVIATION": ReturnReason.SIZE_DEVIATION,
    "LOOK_DEVIATION": ReturnReason.LOOK_DEVIATION,
    "DATE_DEVIATION": ReturnReason.DATE_DEVIATION,
}


def order_status(raw: str) -> OrderStatus:
    return ORDER_STATUSES.get(raw.strip().upper(), OrderStatus.UNKNOWN)


def tracking_status(raw: str) -> TrackingStatus:
    return TRACKING_STATUSES.get(raw.strip().upper(), TrackingStatus.UNKNOWN)


def return_status(raw: str) -> ReturnStatus:
    return RETURN_STATUSES.get(raw.strip().upper(), ReturnStatus.UNKNOWN)


def return_reason(raw: str) -> ReturnReason:
    return RETURN_REASONS.get(raw.strip().upper(), ReturnReason.UNKNOWN)
