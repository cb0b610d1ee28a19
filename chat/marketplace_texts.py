"""The words for marketplace rules and codes: one table, keyed by the neutral codes of
integrations.types, translated in the catalog. A marketplace's own values (its name, limits and
windows) come from its adapter's send policy and fill the templates' placeholders.
"""

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from integrations.errors import ForbiddenSend
from integrations.types import (
    BuyerActivity,
    OrderStatus,
    ReturnReason,
    ReturnStatus,
    SendPolicy,
    TrackingStatus,
)

EMPTY = "empty"
KIND_NOT_SUPPORTED = "kind_not_supported"
UNVERIFIED = "unverified"

# %(count)s (the message's length) and %(site)s (its shop's site) are filled per message; the
# other placeholders come from the send policy (policy_values).
REFUSALS = {
    EMPTY: _("The message is empty."),
    KIND_NOT_SUPPORTED: _("%(marketplace)s does not accept this kind of message through the API."),
    ForbiddenSend.TOO_LONG: _(
        "The message has %(count)s characters; %(marketplace)s allows at most %(limit)s."
    ),
    ForbiddenSend.TOO_MANY_UNANSWERED: _(
        "%(limit)s messages in a row are unanswered; %(marketplace)s blocks more until the "
        "buyer replies."
    ),
    ForbiddenSend.DUPLICATE_TEXT: _(
        "The same text was sent to this buyer within the last %(hours)s hours; "
        "%(marketplace)s refuses repeats. Change the wording."
    ),
    ForbiddenSend.BUYER_NOT_ELIGIBLE: _(
        "The buyer has not chatted in the last %(chat_days)s days, ordered in the last "
        "%(order_days)s days, or opened a return; %(marketplace)s does not allow messaging them."
    ),
    ForbiddenSend.REGION_NOT_SUPPORTED: _(
        "%(marketplace)s does not allow sending chat messages through the API on the %(site)s "
        "site; reply in %(elsewhere)s."
    ),
    UNVERIFIED: _(
        "Whether %(marketplace)s delivered this message is unknown: the conversation it "
        "answered with could not be read. Check the chat in %(elsewhere)s before sending it "
        "again."
    ),
}
# For a marketplace whose buyer windows are not chat, orders and returns together.
BUYER_OUTSIDE_WINDOWS = _(
    "The buyer is outside the time in which %(marketplace)s allows messaging them."
)

ORDER_STATUSES = {
    OrderStatus.UNPAID: _("Unpaid"),
    OrderStatus.PENDING: _("Pending"),
    OrderStatus.TO_SHIP: _("Ready to ship"),
    OrderStatus.PROCESSED: _("Processed"),
    OrderStatus.SHIPPED: _("Shipped"),
    OrderStatus.DELIVERED: _("Delivered, awaiting confirmation"),
    OrderStatus.COMPLETED: _("Completed"),
    OrderStatus.CANCELLING: _("Cancellation requested"),
    OrderStatus.CANCELLED: _("Cancelled"),
    OrderStatus.RETURNING: _("To return"),
}

TRACKING_STATUSES = {
    TrackingStatus.NOT_STARTED: _("Not shipped yet"),
    TrackingStatus.TO_ARRANGE: _("Shipment to arrange"),
    TrackingStatus.READY: _("Ready for pickup"),
    TrackingStatus.PICKUP_REQUESTED: _("Pickup requested"),
    TrackingStatus.PICKUP_RETRY: _("Pickup retry"),
    TrackingStatus.PICKUP_FAILED: _("Pickup failed"),
    TrackingStatus.PICKED_UP: _("Picked up"),
    TrackingStatus.IN_TRANSIT: _("In transit"),
    TrackingStatus.DELIVERED: _("Delivered"),
    TrackingStatus.DELIVERY_FAILED: _("Delivery failed"),
    TrackingStatus.COD_REFUSED: _("Cash on delivery refused"),
    TrackingStatus.CANCELLED: _("Shipment cancelled"),
    TrackingStatus.LOST: _("Lost in transit"),
    TrackingStatus.INVALID: _("Shipment invalid"),
}

RETURN_STATUSES = {
    ReturnStatus.REQUESTED: _("Requested"),
    ReturnStatus.ACCEPTED: _("Accepted"),
    ReturnStatus.PROCESSING: _("Processing"),
    ReturnStatus.IN_REVIEW: _("Under review by the marketplace"),
    ReturnStatus.DISPUTED: _("Disputed by the seller"),
    ReturnStatus.REFUNDED: _("Refunded"),
    ReturnStatus.CLOSED: _("Closed"),
    ReturnStatus.CANCELLED: _("Cancelled"),
}

RETURN_REASONS = {
    ReturnReason.NONE: _("No reason given"),
    ReturnReason.NOT_RECEIVED: _("Item not received"),
    ReturnReason.WRONG_ITEM: _("Wrong item received"),
    ReturnReason.SELLER_SENT_WRONG_ITEM: _("Seller sent the wrong item"),
    ReturnReason.DAMAGED: _("Item damaged"),
    ReturnReason.WRONG_OR_DAMAGED: _("Wrong or damaged item"),
    ReturnReason.NOT_AS_DESCRIBED: _("Not as described"),
    ReturnReason.MUTUAL_AGREEMENT: _("Agreed with the seller"),
    ReturnReason.CHANGED_MIND: _("Changed their mind"),
    ReturnReason.USED: _("Item was used"),
    ReturnReason.MISSING_PARTS: _("Item or parts missing"),
    ReturnReason.EXPECTATION_FAILED: _("Did not meet expectations"),
    ReturnReason.COUNTERFEIT: _("Suspected counterfeit"),
    ReturnReason.PHYSICAL_DAMAGE: _("Physical damage"),
    ReturnReason.NOT_WORKING: _("Does not work"),
    ReturnReason.DOES_NOT_FIT: _("Does not fit"),
    ReturnReason.SUSPICIOUS_PARCEL: _("Suspicious parcel"),
    ReturnReason.EXPIRED: _("Expired product"),
    ReturnReason.WRONG_ORDER_INFO: _("Wrong order details"),
    ReturnReason.WRONG_ADDRESS: _("Wrong address"),
    ReturnReason.SPILLED: _("Contents spilled"),
    ReturnReason.BROKEN: _("Product broken"),
    ReturnReason.PACKAGE_DAMAGED: _("Package damaged"),
    ReturnReason.SCRATCHED: _("Scratched"),
    ReturnReason.OTHER_DAMAGE: _("Other damage"),
    ReturnReason.SIZE_DEVIATION: _("Size differs from the listing"),
    ReturnReason.LOOK_DEVIATION: _("Looks different from the listing"),
    ReturnReason.DATE_DEVIATION: _("Date differs from the listing"),
    ReturnReason.OTHER: _("Other reason"),
}


def _days(policy: SendPolicy, activity: BuyerActivity) -> int | None:
    window = policy.window(activity)
    return window.within.days if window and window.within else None


def _chat_order_and_returns(policy: SendPolicy) -> bool:
    kinds = {w.activity for w in policy.buyer_windows}
    return kinds == set(BuyerActivity) and None not in (
        _days(policy, BuyerActivity.CHATTED),
        _days(policy, BuyerActivity.ORDERED),
    )


def refusal_template(code: str, policy: SendPolicy) -> str:
    """The refusal's words in the active language with the policy's values in place, leaving
    %(count)s and %(site)s to fill per message."""
    template = REFUSALS[code]
    if code == ForbiddenSend.BUYER_NOT_ELIGIBLE and not _chat_order_and_returns(policy):
        template = BUYER_OUTSIDE_WINDOWS
    limit = {
        ForbiddenSend.TOO_LONG: policy.max_text_length,
        ForbiddenSend.TOO_MANY_UNANSWERED: policy.max_unanswered,
    }.get(code)
    window = policy.duplicate_window
    return str(template) % {
        "marketplace": policy.marketplace,
        "elsewhere": str(policy.reply_elsewhere),
        "limit": limit,
        "hours": int(window.total_seconds() // 3600) if window else "",
        "chat_days": _days(policy, BuyerActivity.CHATTED),
        "order_days": _days(policy, BuyerActivity.ORDERED),
        "count": "%(count)s",
        "site": "%(site)s",
    }


def refusal_reason(code: str, policy: SendPolicy, *, count: int = 0, site: str = "") -> str:
    """The reason stored with a refused message: in English, whoever is signed in."""
    with translation.override("en"):
        return refusal_template(code, policy) % {"count": count, "site": site}
