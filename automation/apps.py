from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    """Language and intent detection, reply templates, auto-reply rules, tracking answers,
    business hours, routing and assignment. Sends only through chat's outbox."""

    name = "automation"
    verbose_name = _("Automation")

    role_permissions = {
        "Supervisor": (
            "view_agentprofile",
            "add_agentprofile",
            "change_agentprofile",
            "view_grouprouting",
            "add_grouprouting",
            "change_grouprouting",
        ),
    }
