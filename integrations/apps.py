from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Marketplaces")
    role_permissions = {"Supervisor": ("view_shop",)}

    def ready(self) -> None:
        from django.core.checks import register

        from integrations.checks import shopee_key_settings, shopee_partner_settings

        register(shopee_partner_settings, "marketplaces")
        register(shopee_key_settings, "marketplaces")
