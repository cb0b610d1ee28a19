from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    """Language and intent detection, reply templates, auto-reply rules, tracking answers,
    business hours, routing and assignment. Sends only through chat's outbox."""

    name = "automation"
    verbose_name = _("Automation")
    # Supervisors manage reply templates in the admin (their shops' and the global ones).
    # Agents see them in the console's picker, rendered, through the REST API, which scopes
    # them like chat's and needs no model permission: a model permission would open the admin
    # to agents, which the project keeps closed to them.
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
        )
    }
