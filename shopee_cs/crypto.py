"""Encryption at rest for secrets such as marketplace tokens (Fernet, with key rotation).

TOKEN_ENCRYPTION_KEYS is a comma-separated list of Fernet keys: the first encrypts, all of them
decrypt. To rotate, put a new key first, run `manage.py rotate_token_key`, then drop the old one.
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SecretUnreadable(Exception):
    """The ciphertext was not made with any configured key."""


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("TOKEN_ENCRYPTION_KEYS is empty.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            "TOKEN_ENCRYPTION_KEYS must hold url-safe base64 32-byte Fernet keys "
            "(generate one with `manage.py generate_token_key`)."
        ) from exc


def _current() -> MultiFernet:
    return _fernet(tuple(settings.TOKEN_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return _current().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _current().decrypt(ciphertext.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("secret cannot be decrypted with TOKEN_ENCRYPTION_KEYS") from exc


def reencrypt(ciphertext: str) -> str:
    """The same secret under the primary key (no-op cost if it already is)."""
    return _current().rotate(ciphertext.encode()).decode()


def new_key() -> str:
    return Fernet.generate_key().decode()
