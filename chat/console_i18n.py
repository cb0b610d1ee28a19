"""Strings the console's JavaScript shows, translated on the server (gettext) and handed to the
page as JSON, so the JS needs no catalogue of its own."""

from django.utils.translation import gettext as _

from chat.services.outbox import UNVERIFIED
from chat.services.send_rules import MAX_TEXT_LENGTH, MAX_UNANSWERED
from integrations.errors import ForbiddenSend
from integrations.types import MessageKind


def refusal_strings() -> dict[str, str]:
    """Why a send was refused, by failure code, in the page's language (the stored reason is
    English). %(count)s is the message's length and %(site)s its shop's site, filled in by the
    page; other codes show the stored reason."""
    return {
        "empty": _("The message is empty."),
        ForbiddenSend.TOO_LONG: _(
            "The message has %(count)s characters; Shopee allows at most %(limit)s."
        ).replace("%(limit)s", str(MAX_TEXT_LENGTH)),
        ForbiddenSend.TOO_MANY_UNANSWERED: _(
            "%(limit)s messages in a row are unanswered; Shopee blocks more until the buyer "
            "replies."
        ).replace("%(limit)s", str(MAX_UNANSWERED)),
        ForbiddenSend.DUPLICATE_TEXT: _(
            "The same text was sent to this buyer within the last 24 hours; Shopee refuses "
            "repeats. Change the wording."
        ),
        ForbiddenSend.BUYER_NOT_ELIGIBLE: _(
            "The buyer has not chatted in the last 7 days, ordered in the last 30 days, or "
            "opened a return; Shopee does not allow messaging them."
        ),
        ForbiddenSend.REGION_NOT_SUPPORTED: _(
            "Shopee does not allow sending chat messages through the API on the %(site)s site; "
            "reply in Seller Centre."
        ),
        UNVERIFIED: _(
            "Whether Shopee delivered this message is unknown: the conversation it answered with "
            "could not be read. Check the chat in Seller Centre before sending it again."
        ),
    }


def marketplace_status_strings() -> dict[str, str]:
    """Order, logistics and return statuses as Shopee names them, for the side panel."""
    return {
        "UNPAID": _("Unpaid"),
        "PENDING": _("Pending"),
        "READY_TO_SHIP": _("Ready to ship"),
        "PROCESSED": _("Processed"),
        "RETRY_SHIP": _("Shipping again"),
        "SHIPPED": _("Shipped"),
        "TO_CONFIRM_RECEIVE": _("Delivered, awaiting confirmation"),
        "IN_CANCEL": _("Cancellation requested"),
        "CANCELLED": _("Cancelled"),
        "TO_RETURN": _("To return"),
        "COMPLETED": _("Completed"),
        "INVOICE_PENDING": _("Invoice pending"),
        "LOGISTICS_NOT_START": _("Not shipped yet"),
        "LOGISTICS_PENDING_ARRANGE": _("Shipment to arrange"),
        "LOGISTICS_READY": _("Ready for pickup"),
        "LOGISTICS_REQUEST_CREATED": _("Pickup requested"),
        "LOGISTICS_PICKUP_DONE": _("Picked up"),
        "LOGISTICS_PICKUP_RETRY": _("Pickup retry"),
        "LOGISTICS_PICKUP_FAILED": _("Pickup failed"),
        "LOGISTICS_DELIVERY_DONE": _("Delivered"),
        "LOGISTICS_DELIVERY_FAILED": _("Delivery failed"),
        "LOGISTICS_REQUEST_CANCELED": _("Shipment cancelled"),
        "LOGISTICS_COD_REJECTED": _("Cash on delivery refused"),
        "LOGISTICS_LOST": _("Lost in transit"),
        "LOGISTICS_INVALID": _("Shipment invalid"),
        "REQUESTED": _("Requested"),
        "ACCEPTED": _("Accepted"),
        "PROCESSING": _("Processing"),
        "JUDGING": _("Under review by Shopee"),
        "SELLER_DISPUTE": _("Disputed by the seller"),
        "REFUND_PAID": _("Refunded"),
        "CLOSED": _("Closed"),
    }


def return_reason_strings() -> dict[str, str]:
    """Why the buyer asked for a return, by Shopee's reason code. Shopee's guides spell some
    codes two ways (NONRECEIPT / NOT_RECEIPT, MUITAL_AGREE sic / MUTUAL_AGREE), so both are here."""
    not_received = _("Item not received")
    not_as_described = _("Not as described")
    mutual = _("Agreed with the seller")
    changed_mind = _("Changed their mind")
    no_reason = _("No reason given")
    damaged = _("Item damaged")
    return {
        "NONE": no_reason,
        "NO_REASON": no_reason,
        "NONRECEIPT": not_received,
        "NOT_RECEIPT": not_received,
        "WRONG_ITEM": _("Wrong item received"),
        "SELLER_SENT_WRONG_ITEM": _("Seller sent the wrong item"),
        "ITEM_DAMAGED": damaged,
        "DAMAGED_PRODUCT": damaged,
        "ITEM_WRONGDAMAGED": _("Wrong or damaged item"),
        "DIFF_DESC": not_as_described,
        "DIFFERENT_DESCRIPTION": not_as_described,
        "MUITAL_AGREE": mutual,
        "MUTUAL_AGREE": mutual,
        "CHANGE_MIND": changed_mind,
        "CHANGE_OF_MIND": changed_mind,
        "OTHER": _("Other reason"),
        "USED": _("Item was used"),
        "ITEM_MISSING": _("Item or parts missing"),
        "EXPECTATION_FAILED": _("Did not meet expectations"),
        "ITEM_FAKE": _("Suspected counterfeit"),
        "PHYSICAL_DMG": _("Physical damage"),
        "FUNCTIONAL_DMG": _("Does not work"),
        "ITEM_NOT_FIT": _("Does not fit"),
        "SUSPICIOUS_PARCEL": _("Suspicious parcel"),
        "EXPIRED_PRODUCT": _("Expired product"),
        "WRONG_ORDER_INFO": _("Wrong order details"),
        "WRONG_ADDRESS": _("Wrong address"),
        "SPILLED_CONTENTS": _("Contents spilled"),
        "BROKEN_PRODUCTS": _("Product broken"),
        "DAMAGED_PACKAGE": _("Package damaged"),
        "SCRATCHED": _("Scratched"),
        "DAMAGED_OTHERS": _("Other damage"),
        "SIZE_DEVIATION": _("Size differs from the listing"),
        "LOOK_DEVIATION": _("Looks different from the listing"),
        "DATE_DEVIATION": _("Date differs from the listing"),
    }


def message_kind_strings() -> dict[str, str]:
    """What a message is, by kind: the server stores "[image]", "[sticker]", … as a conversation's
    preview when the last message has no text, and the inbox shows these words instead."""
    message = _("Message")
    return {
        MessageKind.TEXT: message,
        MessageKind.IMAGE: _("Image"),
        MessageKind.STICKER: _("Sticker"),
        MessageKind.ITEM: _("Product"),
        MessageKind.ORDER: _("Order"),
        MessageKind.VIDEO: _("Video"),
        MessageKind.VOUCHER: _("Voucher"),
        MessageKind.NOTIFICATION: _("Notification"),
        MessageKind.OTHER: message,
    }


def console_strings() -> dict:
    return {
        "refusals": refusal_strings(),
        "statuses": marketplace_status_strings(),
        "returnReasons": return_reason_strings(),
        "kinds": message_kind_strings(),
        "queued": _("Queued"),
        "sending": _("Sending"),
        "sent": _("Sent"),
        "failed": _("Failed"),
        "unknown": _("Checking"),
        "received": _("Received"),
        "retry": _("Retry"),
        "retryRefused": _("Still not sent: %(reason)s"),
        "edit": _("Edit"),
        "auto": _("Auto-reply"),
        "outside": _("Sent outside"),
        "you": _("You"),
        "agent": _("Agent"),
        "overdue": _("Overdue"),
        "noConversations": _("No conversations here."),
        "pickConversation": _("Pick a conversation on the left."),
        "noOrders": _("No orders from this buyer in this shop yet."),
        "item": _("Product"),
        "order": _("Order"),
        "sticker": _("Sticker"),
        "image": _("Image"),
        "tracking": _("Tracking"),
        "delivery": _("Delivery"),
        "total": _("Total"),
        "ordered": _("Ordered %(date)s"),
        "returns": _("Return"),
        "refund": _("Refund"),
        "due": _("Respond by %(date)s"),
        "unassigned": _("Unassigned"),
        "assignToMe": _("Assign to me"),
        "unassign": _("Unassign"),
        "resolve": _("Resolve"),
        "reopen": _("Reopen"),
        "resolved": _("Resolved"),
        "open": _("Open"),
        "loadOlder": _("Load older messages"),
        "offline": _("Reconnecting…"),
        "live": _("Live"),
        "sendFailed": _("Could not send: %(reason)s"),
        "refreshed": _("Orders refreshed"),
        "refreshFailed": _("Some orders could not be refreshed"),
        "online": _("online"),
    }
