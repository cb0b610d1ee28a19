"""System checks on the marketplace settings, each error naming its variable (registered in
IntegrationsConfig.ready under the tag "marketplaces")."""

from django.conf import settings
from django.core.checks import Error


def shopee_partner_settings(app_configs=None, **kwargs) -> list[Error]:
    """An unset partner id is allowed (the app is not registered yet); a malformed one would
    fail every call and every push, so it stops the start instead."""
    partner_id = str(settings.SHOPEE_PARTNER_ID).strip()
    if partner_id and not partner_id.isdigit():
        return [
            Error(
                f"SHOPEE_PARTNER_ID must be the numeric partner id of the Shopee app, "
                f"got {partner_id!r}.",
                id="integrations.E001",
            )
        ]
    return []
