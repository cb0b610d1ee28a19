"""Strings the console's JavaScript shows, translated on the server (gettext) and handed to the
page as JSON, so the JS needs no catalogue of its own."""

from django.utils.translation import gettext as _


def console_strings() -> dict[str, str]:
    return {
        "queued": _("Queued"),
        "sending": _("Sending"),
        "sent": _("Sent"),
        "failed": _("Failed"),
        "unknown": _("Checking"),
        "received": _("Received"),
        "retry": _("Retry"),
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
        "returns": _("Return"),
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
