"""Platform-neutral errors raised by marketplace adapters and clients.

``permanent`` answers one question for the caller (outbox, sync task): will sending the same
request again, unchanged, ever succeed? Permanent errors go to the agent or need a human
(re-authorization, configuration); the others are retried with backoff.
"""

from __future__ import annotations


class AdapterError(Exception):
    permanent: bool = True

    def __init__(
        self,
        message: str = "",
        *,
        code: str = "",
        request_id: str = "",
        http_status: int | None = None,
    ) -> None:
        super().__init__(message or code or type(self).__name__)
        self.message = message
        self.code = code  # the platform's raw error code, for logs and support tickets
        self.request_id = request_id
        self.http_status = http_status

    @property
    def retryable(self) -> bool:
        return not self.permanent

    def __str__(self) -> str:
        parts = [self.code, self.message]
        text = ": ".join(p for p in parts if p) or type(self).__name__
        return f"{text} (request_id={self.request_id})" if self.request_id else text


class AuthError(AdapterError):
    """Access token invalid or expired: refresh the token, then retry."""

    permanent = False


class RefreshTokenInvalid(AdapterError):
    """Refresh token used, expired or unknown: the shop must re-authorize (never loop on it)."""


class ShopAccessRevoked(AdapterError):
    """Authorization expired, shop banned or unlinked: terminal for this shop."""


class PermissionDenied(AdapterError):
    """The app or shop may not call this API (whitelist, app type, IP allowlist)."""


class ParamError(AdapterError):
    """The request was malformed (including a timestamp outside the server's window)."""


class SignError(AdapterError):
    """The signature was refused: wrong key, path or timestamp. A configuration problem."""


class NotFound(AdapterError):
    """The resource (or the API path) does not exist."""


class ForbiddenSend(AdapterError):
    """The marketplace refused a chat message under its send rules; ``reason`` is neutral."""

    # Neutral reasons, so the UI can explain without knowing the platform.
    TOO_LONG = "too_long"
    TOO_MANY_UNANSWERED = "too_many_unanswered"
    BUYER_NOT_ELIGIBLE = "buyer_not_eligible"
    DUPLICATE_TEXT = "duplicate_text"
    FIRST_MESSAGE_NEEDS_ORDER = "first_message_needs_order"
    REGION_NOT_SUPPORTED = "region_not_supported"
    CENSORED = "censored"
    BLOCKED = "blocked"
    OTHER = "other"

    def __init__(self, message: str = "", *, reason: str = OTHER, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.reason = reason


class RateLimited(AdapterError):
    permanent = False

    def __init__(self, message: str = "", *, retry_after: float | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(AdapterError):
    permanent = False


class NetworkError(AdapterError):
    """No usable answer. ``outcome_unknown`` means the request may have been processed (read
    timeout, connection dropped after sending): reconcile before resending a non-idempotent call.
    """

    permanent = False

    def __init__(self, message: str = "", *, outcome_unknown: bool = False, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.outcome_unknown = outcome_unknown


class RefreshInProgress(AdapterError):
    """Another caller is refreshing the shop's tokens and has not finished yet: try later."""

    permanent = False


class NotConfigured(AdapterError):
    """The app's partner id or key is not set: no call can be made until the settings are."""


class PushVerificationNotConfigured(RuntimeError):
    """No push key or callback URL configured: the receiver must fail closed (503)."""
