from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    """Language and intent detection, reply templates, auto-reply rules, tracking answers,
    business hours, routing and assignment. Sends only through chat's outbox."""

    name = "automation"
    verbose_name = _("Automation")
    # Supervisors write the rules and read their runs (the audit is never edited); the shop's
    # opt-in to proactive tracking updates is theirs to change too.
    role_permissions = {
        "Supervisor": (
            "view_autoreplyrule",
            "add_autoreplyrule",
            "change_autoreplyrule",
            "delete_autoreplyrule",
            "view_autoreplyrun",
            "view_shopautomation",
            "add_shopautomation",
            "change_shopautomation",
            "view_trackingupdate",
        )
    }

    def ready(self) -> None:
        from automation import receivers, tasks  # noqa: F401  (tasks: registers them by name)
        from chat.signals import message_received, order_updated, reply_failed

        message_received.connect(
            receivers.message_received, dispatch_uid="automation.message_received"
        )
        reply_failed.connect(receivers.reply_failed, dispatch_uid="automation.reply_failed")
        order_updated.connect(receivers.order_updated, dispatch_uid="automation.order_updated")
