"""Shopee push (webhook) authentication.

Authorization header = hex HMAC-SHA256(push key, callback_url + "|" + raw_body), where
callback_url is the URL exactly as registered with Shopee (doc §6). The caller passes the
configured canonical URL: never the URL the request arrived on, which a proxy may have changed.

Shopee sends the hex in lower case. The check accepts it in either case and ignores whitespace
around the header value (hex case carries no meaning, and a proxy may pad or re-case a header);
anything else (another digest, a prefix such as ``sha256=``, a truncated value, whitespace inside)
is refused.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from integrations.errors import PushVerificationNotConfigured
from integrations.shopee.signing import normalize_partner_key


def push_signature(callback_url: str, key: str, raw_body: bytes) -> str:
    if not isinstance(raw_body, bytes | bytearray):
        # Re-serialised JSON never matches; insist on the bytes as received.
        raise TypeError("raw_body must be the request body bytes")
    msg = callback_url.encode("utf-8") + b"|" + bytes(raw_body)
    return hmac.new(normalize_partner_key(key).encode("utf-8"), msg, hashlib.sha256).hexdigest()


def verify_push(
    callback_url: str,
    key: str | Iterable[str] | None,
    raw_body: bytes,
    authorization: str | None,
) -> bool:
    """True when ``authorization`` matches for one of the keys (several allow key rotation).

    Raises ``PushVerificationNotConfigured`` when no key or URL is configured; returns False for
    a missing or wrong header. Lower- or upper-case hex, with or without surrounding whitespace,
    is accepted (see the module docstring). Comparison is constant-time.
    """
    keys = [key] if isinstance(key, str) or key is None else list(key)
    keys = [k for k in keys if k and normalize_partner_key(k)]
    if not keys or not callback_url:
        raise PushVerificationNotConfigured("Shopee push key or callback URL is not configured")
    if not authorization:
        return False
    given = authorization.strip().lower().encode("ascii", "replace")
    ok = False
    for k in keys:
        # Check every key (no early exit) so timing does not reveal which one matched.
        expected = push_signature(callback_url, k, raw_body).encode("ascii")
        ok |= hmac.compare_digest(expected, given)
    return ok
