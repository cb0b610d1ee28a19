"""DRF wiring: API-key authentication, the OTP and scope permissions, request throttles.

Staff in a browser use session auth (CSRF enforced) and need an OTP-verified session. Machines use
API keys (`Authorization: Api-Key <key>` or `Bearer <key>`), which skip OTP but never scopes or
the allowlist. Views opt in to key access with `required_scopes = [...]`; no attribute, no keys.
"""

import logging
import math
import time
from abc import ABC, abstractmethod
from functools import lru_cache

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from redis import Redis
from redis.exceptions import RedisError
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

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


@lru_cache(maxsize=4)
def _redis_at(location: str) -> Redis:
    return Redis.from_url(location, socket_connect_timeout=1, socket_timeout=1)


class _WindowThrottle(BaseThrottle, ABC):
    """At most N requests per client per window ("1200/minute"), counted in Redis with
    one round trip per request (INCR and EXPIRE in one pipeline). DRF's own rate throttles keep
    every request's time in a list that is read and written back whole on every request.

    Without Redis the API still answers, unthrottled: every request is still authenticated, and
    sign-in lockout counts in the database (django-axes).
    """

    scope = ""

    def __init__(self):
        rate = api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        self.limit, self.window = SimpleRateThrottle.parse_rate(None, rate)
        self.retry_after: float | None = None

    @abstractmethod
    def ident(self, request) -> str | None:
        """Whom the request counts against; None: not this throttle's business."""

    def allow_request(self, request, view) -> bool:
        ident = self.ident(request)
        if ident is None:
            return True
        now = time.time()
        window = int(now // self.window)
        cache = settings.CACHES["default"]  # the counters live beside the cache's keys
        key = f"{cache.get('KEY_PREFIX', '')}:throttle:{self.scope}:{ident}:{window}"
        try:
            pipe = _redis_at(cache["LOCATION"]).pipeline(transaction=False)
            pipe.incr(key)
            pipe.expire(key, self.window + 1)
            count = pipe.execute()[0]
        except RedisError as exc:
            logger.warning("throttle: cache unavailable (%s); request not throttled", exc)
            return True
        if count <= self.limit:
            return True
        self.retry_after = (window + 1) * self.window - now
        return False

    def wait(self) -> float | None:
        return math.ceil(self.retry_after) if self.retry_after is not None else None


class AnonThrottle(_WindowThrottle):
    """Requests without a signed-in user or key, per client address."""

    scope = "anon"

    def ident(self, request) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return client_ip(request) or "unknown"


class UserThrottle(_WindowThrottle):
    """Per user (a key counts as its user): one office address is shared by a whole team."""

    scope = "user"

    def ident(self, request) -> str | None:
        if request.user and request.user.is_authenticated:
            return f"u{request.user.pk}"
        return None
