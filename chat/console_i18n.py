"""Strings the console's JavaScript shows, translated on the server (gettext) and handed to the
page as JSON, so the JS needs no catalogue of its own."""

from django.utils.translation import gettext as _

from chat import marketplace_texts as texts
from chat.services.pipeline.send_rules import send_policy
from integrations.types import MessageKind


def refusal_strings(platform: str) -> dict[str, str]:
    """Why a send was refused on this platform, by failure code, in the page's language (the
    stored reason is English). %(count)s is the message's length and %(site)s its shop's site,
    filled in by the page; other codes show the stored reason."""
    policy = send_policy(platform)
    return {code: texts.refusal_template(code, policy) for code in texts.REFUSALS}


def marketplace_status_strings() -> dict[str, dict[str, str]]:
    """Order, shipment and return statuses by neutral code, for the side panel (a status the
    marketplace added later shows as it names it)."""
    return {
        "order": {code: str(text) for code, text in texts.ORDER_STATUSES.items()},
        "tracking": {code: str(text) for code, text in texts.TRACKING_STATUSES.items()},
        "return": {code: str(text) for code, text in texts.RETURN_STATUSES.items()},
    }


def return_reason_strings() -> dict[str, str]:
    """Why the buyer asked for a return, by neutral reason."""
    return {code: str(text) for code, text in texts.RETURN_REASONS.items()}


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


def ticket_strings() -> dict:
    """The ticket tab and panel's words. Chat may not import tickets, so the statuses and SLA
    states are named here with the same texts as tickets.models (one translation each)."""
    return {
        "statuses": {
            "new": _("New"),
            "open": _("Open"),
            "pending_buyer": _("Pending buyer"),
            "pending_internal": _("Pending internal"),
            "resolved": _("Resolved"),
            "closed": _("Closed"),
            "reopened": _("Reopened"),
        },
        "sla": {
            "on_track": _("On track"),
            "due_soon": _("Due soon"),
            "breached": _("Breached"),
            "paused": _("Paused (pending buyer)"),
            "stopped": _("Stopped (resolved or closed)"),
            "none": _("No SLA"),
        },
        "queueEmpty": _("No tickets in your queue."),
        "noTickets": _("No tickets for this conversation yet."),
        "noConversation": _("Ticket #%(id)s has no conversation."),
        "openTickets": _("Open tickets: %(count)s"),
        "due": _("Due %(date)s"),
        "moveTo": _("Move to"),
        "move": _("Move"),
        "note": _("Internal note"),
        "notePlaceholder": _("Internal note (the buyer never sees it)…"),
        "addNote": _("Add note"),
        "order": _("Order"),
        "returns": _("Return"),
    }


def alert_strings() -> dict:
    """The alert banner and list's words. Chat may not import alerts, so the kinds are named here
    with the same texts as alerts.models (one translation each)."""
    return {
        "kinds": {
            "frt_warning": _("Buyer waiting (warning)"),
            "frt_breach": _("First-response target breached"),
            "ticket_due_soon": _("Ticket due soon"),
            "ticket_breached": _("Ticket overdue"),
            "integration": _("Shop connection problem"),
            "digest": _("Daily digest"),
        },
        "bell": _("Alerts"),
        "unacknowledged": _("Unacknowledged alerts: %(count)s"),
        "listTitle": _("Alerts"),
        "onlyOpen": _("Only unacknowledged"),
        "empty": _("No alerts."),
        "acknowledge": _("Acknowledge"),
        "acknowledged": _("Acknowledged %(date)s"),
        "openConversation": _("Open the conversation"),
        "openTicket": _("Open the ticket"),
        "noConversation": _("Ticket #%(id)s has no conversation."),
        "dismiss": _("Dismiss"),
        "mentionsYou": _("Mentions you"),
        "loadMore": _("Load more"),
    }


def intent_strings() -> dict[str, str]:
    """Short labels of a buyer message's detected intent, by the classifier's stable code (chat
    may not import automation, so the codes are named here)."""
    return {
        "tracking": _("Order status"),
        "shipping_time": _("Shipping time"),
        "return_refund": _("Return/refund"),
        "cancel": _("Cancellation"),
        "damaged_wrong": _("Damaged/wrong item"),
        "availability": _("Stock"),
        "price_discount": _("Price/discount"),
        "greeting_thanks": _("Greeting"),
        "other": _("Other"),
    }


def team_strings() -> dict[str, str]:
    """The status switch, team panel and transfer dialog (static/js/console_team.js)."""
    return {
        "online": _("Online"),
        "away": _("Away"),
        "offline": _("Offline"),
        "load": _("%(load)s/%(capacity)s open"),
        "overCapacity": _("Over capacity"),
        "overCapacityWarning": _("%(name)s is at capacity; transfer anyway?"),
        "noTeammates": _("No teammates in your groups."),
        "transferred": _("Transferred to %(name)s."),
        "transferredGroup": _("Moved to %(name)s."),
        "anyLanguage": _("Any language"),
        "you": _("(you)"),
    }


def console_strings(platforms=()) -> dict:
    """The console's words; send refusals for each of `platforms` (those of the agent's shops)."""
    return {
        "refusals": {platform: refusal_strings(platform) for platform in platforms},
        "tickets": ticket_strings(),
        "alerts": alert_strings(),
        "team": team_strings(),
        "statuses": marketplace_status_strings(),
        "returnReasons": return_reason_strings(),
        "kinds": message_kind_strings(),
        "intents": intent_strings(),
        # %(language)s: an ISO 639-1 code; %(confidence)s: a percentage.
        "languageTitle": _("Detected language: %(language)s"),
        "intentTitle": _("Detected intent, %(confidence)s sure"),
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
