from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopeeCsConfig(AppConfig):
    name = "shopee_cs"
    verbose_name = _("Accounts and security")
    role_permissions = {"Supervisor": ("view_auditevent",)}

    def ready(self) -> None:
        from shopee_cs import (
            checks,  # noqa: F401 - registers the system checks
            receivers,  # noqa: F401 - audit, revocation, cache invalidation
        )
