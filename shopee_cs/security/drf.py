"""DRF wiring: API-key authentication, the OTP and scope permissions, client-IP throttles.

Staff in a browser use session auth (CSRF enforced) and need an OTP-verified session. Machines use
API keys (`Authorization: Api-Key <key>` or `Bearer <key>`), which skip OTP but never scopes or
the allowlist. Views opt in to key access with `required_scopes = [...]`; no attribute, no keys.
"""

import logging

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from redis.exceptions import RedisError
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from shopee_cs.models import ApiKey
from shopee_cs.security.ip import client_ip
from shopee_cs.security.services import ApiKeyRefused, api_key_authenticate, audit_record

KEY_SCHEMES = ("api-key", "bearer")

logger = logging.getLogger(__name__)


def api_key_header(request) -> str | None:
    """The raw key if the request carries one of our key schemes (HttpRequest or DRF Request)."""
    header = get_authorization_header(request).decode("latin1")
    scheme, _, raw = header.partition(" ")
    return raw.strip() if scheme.lower() in KEY_SCHEMES else None


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        raw_key = api_key_header(request)
        if raw_key is None:
            return None
        if not raw_key:
            raise AuthenticationFailed("Empty API key.")
        try:
            # The plain HttpRequest: reading DRF's request.user here would recurse into auth.
            api_key = api_key_authenticate(
                raw_key=raw_key, ip=client_ip(request), request=request._request
            )
        except ApiKeyRefused as refused:
            raise AuthenticationFailed(f"API key refused ({refused.reason}).") from None
        return api_key.user, api_key

    def authenticate_header(self, request) -> str:
        return "Api-Key"


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>` (or `Bearer <key>`); created in the admin.",
        }


def request_api_key(request) -> ApiKey | None:
    return request.auth if isinstance(request.auth, ApiKey) else None


class IsOTPVerified(BasePermission):
    """Authenticated, and either an API key or an OTP-verified session."""

    message = "Two-factor verification required: sign in at /accounts/login/."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request_api_key(request) is not None:
            return True
        verified = getattr(user, "is_verified", None)
        if verified is not None and verified():
            return True
        audit_record(
            action="otp.required_refused",
            request=request._request,
            details={"path": request.path[:200], "surface": "api"},
        )
        return False


class HasScope(BasePermission):
    """For API keys: the view's `required_scopes` must all be granted to the key."""

    message = "This API key lacks a required scope."

    def has_permission(self, request, view) -> bool:
        api_key = request_api_key(request)
        if api_key is None:
            return True  # people are limited by their roles and the selectors, not scopes
        required = getattr(view, "required_scopes", None)
        if required is not None and set(required) <= set(api_key.scopes):
            return True
        audit_record(
            action="api_key.scope_refused",
            request=request._request,
            user=api_key.user,
            target=api_key,
            details={"path": request.path[:200], "required": list(required or ["<no key access>"])},
        )
        return False


class _FailOpenOnRedisOutage:
    """Throttle counters live in Redis. Without Redis the API still answers, unthrottled: every
    request is still authenticated, and sign-in lockout counts in the database (django-axes)."""

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except RedisError as exc:
            logger.warning("throttle: cache unavailable (%s); request not throttled", exc)
            return True


class ClientIpAnonThrottle(_FailOpenOnRedisOutage, AnonRateThrottle):
    def get_ident(self, request) -> str:
        return client_ip(request) or "unknown"


class ClientIpUserThrottle(_FailOpenOnRedisOutage, UserRateThrottle):
    def get_ident(self, request) -> str:
        return client_ip(request) or "unknown"
