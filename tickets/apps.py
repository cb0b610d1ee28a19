from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")
    # Supervisors work the queues in the admin (scoped to their groups' shops). Agents use the
    # REST API, which scopes rows like chat's API and needs no model permission; nobody changes
    # or deletes the history, and tickets are never deleted (merge or close them instead).
    role_permissions = {
        "Supervisor": (
            "view_ticket",
            "add_ticket",
            "change_ticket",
            "view_ticketevent",
            "view_ticketnote",
            "add_ticketnote",
            "view_ticketattachment",
            "add_ticketattachment",
            "view_tickettype",
            "add_tickettype",
            "change_tickettype",
            "view_slapolicy",
            "add_slapolicy",
            "change_slapolicy",
            "delete_slapolicy",
        )
    }

    def ready(self) -> None:
        from chat.signals import return_updated
        from tickets import receivers, tasks  # noqa: F401  (tasks: registers them by name)

        return_updated.connect(receivers.return_updated, dispatch_uid="tickets.return_updated")
