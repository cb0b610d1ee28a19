"""Map Shopee error envelopes to the platform-neutral exceptions in ``integrations.errors``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from integrations import errors as e

# Matched on the suffix after any module prefix ("order.order_list_invalid_time").
_REFRESH = {
    "invalid_code",
    "refresh_token_expired",
    "error_shop_refresh_token",
    "error_merchant_refresh_token",
    "invalid_refresh_token",
}
_REVOKED = {
    "shop_access_expired",
    "merchant_access_expired",
    "supplier_access_expired",
    "shop_no_linked",
    "partner_shop_no_link",
    "merchant_no_linked",
    "shop_banned",
    "partner_frozen",
}
_PERMISSION = {
    "error_permission",
    "error_api_permission",
    "error_api_call_restricted",
    "error_ashop_api_permission",
    "error_kyc_auth",
    "source_ip_undeclared",
    "invalid_partner_id",
    "error_partner_key_expired",
    "api_suspended",
    "error_shop",
}
_AUTH = {"invalid_acceess_token", "invalid_access_token", "error_token"}
_PARAM = {"error_param", "error_invalid_param", "order_list_invalid_time", "invalid_time_range"}
_NOT_FOUND = {
    "error_not_found",
    "error_not_exists",
    "error_item_not_found",
    "error_order_not_found",
}
_SERVER = {
    "error_server",
    "error_network",
    "error_data",
    "error_inner",
    "error_busy",
    "error_system",
}
_SEND_REASONS = {
    "message_too_long": e.ForbiddenSend.TOO_LONG,
    "reach_5_message_limit": e.ForbiddenSend.TOO_MANY_UNANSWERED,
    "user_is_forbidden": e.ForbiddenSend.BUYER_NOT_ELIGIBLE,
    "first_chat_without_order_info": e.ForbiddenSend.FIRST_MESSAGE_NEEDS_ORDER,
    "message_is_censored": e.ForbiddenSend.CENSORED,
    "block_by_internal_safety_strategies": e.ForbiddenSend.CENSORED,
    "error_blocked": e.ForbiddenSend.BLOCKED,
    "error_sender_block_receiver": e.ForbiddenSend.BLOCKED,
    "exceed_send_limitaion": e.ForbiddenSend.OTHER,
    "shop_bound_subaccount": e.ForbiddenSend.OTHER,
    "assigned_to_subaccount": e.ForbiddenSend.OTHER,
}
SEND_PATHS = {"/api/v2/sellerchat/send_message", "/api/v2/sellerchat/send_autoreply_message"}
_UTC8 = timezone(timedelta(hours=8))


def code_suffix(code: str) -> str:
    return code.rsplit(".", 1)[-1].strip().lower()


def seconds_until_quota_reset(now: datetime | None = None) -> float:
    """The daily API quota (error_limit) resets at 00:00 UTC+8."""
    local = (now or datetime.now(UTC)).astimezone(_UTC8)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return (midnight - local).total_seconds()


def _send_reason(suffix: str, message: str) -> str | None:
    if suffix in _SEND_REASONS:
        return _SEND_REASONS[suffix]
    low = message.lower()
    if suffix == "error_business":
        # Production code reports the 24 h duplicate-text rule as error_business (doc §5.4).
        dup = "same" in low or "duplicate" in low or "24" in low
        return e.ForbiddenSend.DUPLICATE_TEXT if dup else e.ForbiddenSend.OTHER
    if suffix in {"error_permission", "error_region"} and "region" in low:
        return e.ForbiddenSend.REGION_NOT_SUPPORTED
    return None


def is_timestamp_error(code: str, message: str) -> bool:
    return code_suffix(code) == "error_param" and "timestamp" in message.lower()


def to_exception(
    *,
    code: str,
    message: str,
    request_id: str = "",
    http_status: int | None = None,
    path: str = "",
    retry_after: float | None = None,
) -> e.AdapterError:
    suffix = code_suffix(code)
    kw = {"code": code, "request_id": request_id, "http_status": http_status}
    low = message.lower()
    if path in SEND_PATHS:
        reason = _send_reason(suffix, message)
        if reason is not None:
            return e.ForbiddenSend(message, reason=reason, **kw)
    if suffix == "error_sign":
        return e.SignError(message, **kw)
    if suffix in _AUTH or (suffix == "error_auth" and "access_token" in low):
        return e.AuthError(message, **kw)
    if suffix in _REFRESH:
        return e.RefreshTokenInvalid(message, **kw)
    if suffix in _REVOKED:
        return e.ShopAccessRevoked(message, **kw)
    if suffix == "error_param" and "path is incorrect" in low:
        return e.NotFound(message, **kw)  # Shopee reports an unknown API path this way
    if suffix in _PARAM:
        return e.ParamError(message, **kw)
    if suffix in _PERMISSION or suffix == "error_auth":
        return e.PermissionDenied(message, **kw)
    if suffix in _NOT_FOUND:
        return e.NotFound(message, **kw)
    if suffix == "error_rate_limit" or (not suffix and http_status == 429):
        return e.RateLimited(message, retry_after=retry_after, **kw)
    if suffix == "error_limit":
        return e.RateLimited(message, retry_after=seconds_until_quota_reset(), **kw)
    if suffix in _SERVER or (http_status or 0) >= 500:
        return e.ServerError(message, **kw)
    if http_status == 429:
        return e.RateLimited(message, retry_after=retry_after, **kw)
    return e.AdapterError(message, **kw)
