from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    """First-response and SLA timers, alert rows delivered exactly once to IM robots and in-app,
    daily digests. Never calls a robot inside a transaction."""

    name = "alerts"
    verbose_name = _("Alerts")
    # Supervisors set up their groups' robots (the admin scopes the rows to their groups).
    role_permissions = {
        "Supervisor": (
            "view_robot",
            "add_robot",
            "change_robot",
            "delete_robot",
            "view_alert",
            "view_alertdelivery",
            "view_groupalertpolicy",
            "add_groupalertpolicy",
            "change_groupalertpolicy",
            "view_imcontact",
            "add_imcontact",
            "change_imcontact",
        ),
    }

    def ready(self) -> None:
        from alerts import tasks  # noqa: F401  (registers them by name)
