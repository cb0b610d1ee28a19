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


# The keys signed with (requests and pushes): each is used with surrounding quotes trimmed, the
# same in the client, the push check and the simulator (docs/shopee.md, Signing).
_KEY_SETTINGS = ("SHOPEE_PARTNER_KEY", "SHOPEE_PUSH_KEY", "SHOPEE_PUSH_PREVIOUS_KEY")


def shopee_key_settings(app_configs=None, **kwargs) -> list[Error]:
    """Whitespace around a key is almost always a copy-paste or secrets-file slip (a trailing
    newline): refuse to start, naming the variable, rather than sign with a guess."""
    errors = []
    for name in _KEY_SETTINGS:
        value = getattr(settings, name, "") or ""
        if value != value.strip():
            errors.append(
                Error(
                    f"{name} has whitespace around it ({len(value) - len(value.lstrip())} "
                    f"before, {len(value) - len(value.rstrip())} after); set the key exactly "
                    f"as shown in the Shopee console.",
                    id="integrations.E002",
                )
            )
    return errors
