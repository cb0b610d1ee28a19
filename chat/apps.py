from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = _("Chat")
    # Supervisors read every conversation of their groups' shops in the admin (quality review).
    role_permissions = {
        "Supervisor": (
            "view_agentgroup",
            "change_agentgroup",
            "view_conversation",
            "view_message",
        )
    }
