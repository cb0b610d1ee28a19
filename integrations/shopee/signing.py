"""Shopee Open Platform v2 request signing, auth links and the clock-skew guard.

sign = lowercase hex HMAC-SHA256(partner_key, base string), where the base string is a plain
concatenation (doc §2):
    public:   partner_id + path + timestamp
    shop:     partner_id + path + timestamp + access_token + shop_id
    merchant: partner_id + path + timestamp + access_token + merchant_id
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode

logger = logging.getLogger(__name__)

AUTH_PARTNER_PATH = "/api/v2/shop/auth_partner"
CANCEL_AUTH_PARTNER_PATH = "/api/v2/shop/cancel_auth_partner"
# Shopee accepts +-5 minutes; warn long before that so a drifting host is fixed first.
CLOCK_SKEW_WARN_SECONDS = 60


def normalize_partner_key(key: str) -> str:
    """Trim whitespace and surrounding quotes from a configured key; keep ``shpk`` and never
    hex-decode (doc §2, key-format pitfall)."""
    return key.strip().strip("'\"").strip()


def now_ts() -> int:
    return int(time.time())


class TimestampNotSeconds(ValueError):
    """A signing timestamp that is not whole Unix seconds (doc §9.1: a millisecond or fractional
    timestamp is refused by Shopee as error_param); ``given`` is the value passed."""

    def __init__(self, given: object, why: str) -> None:
        super().__init__(f"Shopee timestamps must be whole Unix seconds; got {given!r} ({why})")
        self.given = given


# Unix seconds stay below this until the year 5138; milliseconds are above it since 1973.
_MAX_SECONDS = 10**11


def _ts(timestamp: int | float) -> str:
    # Integer seconds only: a float or millisecond timestamp is the classic error_param cause.
    if isinstance(timestamp, bool) or not isinstance(timestamp, int | float):
        raise TimestampNotSeconds(timestamp, "not a number")
    if timestamp != timestamp or timestamp in (float("inf"), float("-inf")):
        raise TimestampNotSeconds(timestamp, "not a finite number")
    if int(timestamp) != timestamp:
        raise TimestampNotSeconds(timestamp, "a fraction of a second")
    if timestamp > _MAX_SECONDS:
        raise TimestampNotSeconds(timestamp, "milliseconds? divide by 1000")
    if timestamp < 0:
        raise TimestampNotSeconds(timestamp, "negative")
    return str(int(timestamp))


def public_base_string(partner_id: int | str, path: str, timestamp: int) -> str:
    return f"{partner_id}{path}{_ts(timestamp)}"


def shop_base_string(
    partner_id: int | str, path: str, timestamp: int, access_token: str, shop_id: int | str
) -> str:
    return f"{partner_id}{path}{_ts(timestamp)}{access_token}{shop_id}"


def merchant_base_string(
    partner_id: int | str, path: str, timestamp: int, access_token: str, merchant_id: int | str
) -> str:
    return f"{partner_id}{path}{_ts(timestamp)}{access_token}{merchant_id}"


def hmac_hex(partner_key: str, message: str | bytes) -> str:
    msg = message.encode("utf-8") if isinstance(message, str) else message
    key = normalize_partner_key(partner_key).encode("utf-8")
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def sign_public(partner_key: str, partner_id: int | str, path: str, timestamp: int) -> str:
    return hmac_hex(partner_key, public_base_string(partner_id, path, timestamp))


def sign_shop(
    partner_key: str,
    partner_id: int | str,
    path: str,
    timestamp: int,
    access_token: str,
    shop_id: int | str,
) -> str:
    return hmac_hex(
        partner_key, shop_base_string(partner_id, path, timestamp, access_token, shop_id)
    )


def sign_merchant(
    partner_key: str,
    partner_id: int | str,
    path: str,
    timestamp: int,
    access_token: str,
    merchant_id: int | str,
) -> str:
    base = merchant_base_string(partner_id, path, timestamp, access_token, merchant_id)
    return hmac_hex(partner_key, base)


def _auth_link(host: str, path: str, partner_id, partner_key, redirect_url, timestamp) -> str:
    ts = now_ts() if timestamp is None else timestamp
    query = urlencode(
        {
            "partner_id": str(partner_id),
            "timestamp": _ts(ts),
            "sign": sign_public(partner_key, partner_id, path, ts),
            "redirect": redirect_url,
        }
    )
    return f"{host.rstrip('/')}{path}?{query}"


def auth_url(
    host: str,
    partner_id: int | str,
    partner_key: str,
    redirect_url: str,
    timestamp: int | None = None,
) -> str:
    """Authorization link (valid 5 minutes). The same link serves a shop account and a main
    account: the seller picks on Shopee's page, and the callback then carries ``shop_id`` or
    ``main_account_id`` (doc §3)."""
    return _auth_link(host, AUTH_PARTNER_PATH, partner_id, partner_key, redirect_url, timestamp)


def cancel_auth_url(
    host: str,
    partner_id: int | str,
    partner_key: str,
    redirect_url: str,
    timestamp: int | None = None,
) -> str:
    path = CANCEL_AUTH_PARTNER_PATH
    return _auth_link(host, path, partner_id, partner_key, redirect_url, timestamp)


def _to_epoch(server_time: datetime | int | float | str) -> float:
    if isinstance(server_time, datetime):
        dt = server_time if server_time.tzinfo else server_time.replace(tzinfo=UTC)
        return dt.timestamp()
    if isinstance(server_time, str):
        text = server_time.strip()
        if text.isdigit():
            return float(text)
        return parsedate_to_datetime(text).timestamp()  # an HTTP Date header
    return float(server_time)


def check_clock_skew(
    server_time: datetime | int | float | str | None,
    *,
    local_time: float | None = None,
    threshold: float = CLOCK_SKEW_WARN_SECONDS,
    source: str = "",
) -> float | None:
    """Return local minus server seconds and log a loud WARNING beyond ``threshold``.

    ``server_time`` is whatever the server told us: an HTTP ``Date`` header, an epoch, or an aware
    datetime. Unparseable input returns ``None`` (a guard must never break a call).
    """
    if server_time in (None, ""):
        return None
    try:
        server_epoch = _to_epoch(server_time)
    except (TypeError, ValueError, OverflowError):
        return None
    local = time.time() if local_time is None else local_time
    skew = local - server_epoch
    if abs(skew) > threshold:
        logger.warning(
            "CLOCK SKEW: local clock is %+.0f s off the Shopee server%s; Shopee rejects "
            "requests outside +-300 s (error_param 'Invalid timestamp'). Fix NTP on this host.",
            skew,
            f" ({source})" if source else "",
        )
    return skew
