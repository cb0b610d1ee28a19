from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    """Language and intent detection, reply templates, auto-reply rules, tracking answers,
    business hours, routing and assignment. Sends only through chat's outbox."""

    name = "automation"
    verbose_name = _("Automation")

    # Supervisors manage reply templates and routing in the admin (their shops' and the global
    # templates). Agents see templates in the console's picker, rendered, through the REST API,
    # which scopes them like chat's and needs no model permission: a model permission would
    # open the admin to agents, which the project keeps closed to them.
    role_permissions = {
        "Supervisor": (
            "view_replytemplate",
            "add_replytemplate",
            "change_replytemplate",
            "delete_replytemplate",
            "view_templatevariant",
            "add_templatevariant",
            "change_templatevariant",
            "delete_templatevariant",
            "view_agentprofile",
            "add_agentprofile",
            "change_agentprofile",
            "view_grouprouting",
            "add_grouprouting",
            "change_grouprouting",
            # Auto-reply rules and their audit (never edited); the shop's opt-in to proactive
            # tracking updates is theirs to change too.
            "view_autoreplyrule",
            "add_autoreplyrule",
            "change_autoreplyrule",
            "delete_autoreplyrule",
            "view_autoreplyrun",
            "view_shopautomation",
            "add_shopautomation",
            "change_shopautomation",
            "view_trackingupdate",
        ),
    }

    def ready(self) -> None:
        from automation import checks, receivers, receivers_routing, tasks  # noqa: F401  (by name)
        from chat.signals import (
            conversation_assigned,
            conversation_resolved,
            message_received,
            order_updated,
            reply_failed,
            reply_sent,
        )

        message_received.connect(
            receivers.message_received, dispatch_uid="automation.message_received"
        )
        reply_failed.connect(receivers.reply_failed, dispatch_uid="automation.reply_failed")
        order_updated.connect(receivers.order_updated, dispatch_uid="automation.order_updated")

        reply_sent.connect(receivers_routing.reply_sent, dispatch_uid="automation.routing_reply")
        for signal, uid in (
            (conversation_resolved, "automation.routing_resolved"),
            (conversation_assigned, "automation.routing_assigned"),
        ):
            signal.connect(receivers_routing.capacity_freed, dispatch_uid=uid)
