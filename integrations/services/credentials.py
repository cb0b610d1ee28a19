"""A shop's marketplace credentials beyond the token pair (a shop cipher, a regional endpoint),
by the names its adapter declares, encrypted at rest like the tokens (shopee_cs.crypto)."""

import json
from collections.abc import Mapping
from types import MappingProxyType

from django.db import transaction

from integrations.adapters import adapter_class
from integrations.models import Shop
from shopee_cs.crypto import decrypt, encrypt, reencrypt

MAX_VALUE_LENGTH = 512
_NONE: Mapping[str, str] = MappingProxyType({})


class CredentialsRejected(ValueError):
    """The credentials do not fit the shop's marketplace; nothing was stored."""


def shop_credentials(shop: Shop) -> Mapping[str, str]:
    """The shop's extra credentials, read-only ({} for a marketplace that needs none)."""
    if not shop.credentials_encrypted:
        return _NONE
    return MappingProxyType(json.loads(decrypt(shop.credentials_encrypted)))


def shop_credentials_set(*, shop: Shop, credentials: Mapping[str, str]) -> None:
    """Replace the shop's extra credentials. Every name must be one the shop's adapter declares
    and every value a non-empty string; otherwise CredentialsRejected and nothing changes."""
    allowed = adapter_class(shop.platform).credential_names
    unknown = sorted(set(credentials) - set(allowed))
    if unknown:
        expected = ", ".join(allowed) or "none"
        raise CredentialsRejected(
            f"{shop.platform} shops take no credential named {', '.join(unknown)} "
            f"(expected: {expected})."
        )
    for name, value in credentials.items():
        if not isinstance(value, str) or not value.strip():
            raise CredentialsRejected(f"The credential {name} must be a non-empty text.")
        if len(value) > MAX_VALUE_LENGTH:
            raise CredentialsRejected(
                f"The credential {name} is longer than {MAX_VALUE_LENGTH} characters."
            )
    shop.credentials_encrypted = (
        encrypt(json.dumps(dict(credentials), sort_keys=True)) if credentials else ""
    )
    shop.save(update_fields=["credentials_encrypted", "updated_at"])


def shop_credentials_reencrypt() -> int:
    """Re-encrypt every shop's credentials under the primary key (after a key rotation)."""
    count = 0
    with transaction.atomic():
        for shop in Shop.objects.select_for_update().exclude(credentials_encrypted=""):
            shop.credentials_encrypted = reencrypt(shop.credentials_encrypted)
            shop.save(update_fields=["credentials_encrypted"])
            count += 1
    return count
