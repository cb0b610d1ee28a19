"""Websocket (ASGI) enforcement. Django's HTTP middleware never sees a socket, so the same rules
run here:

    AuditedOriginValidator(AuthMiddlewareStack(StaffSocketGuard(URLRouter(...))))

Origin must be in ALLOWED_HOSTS (cross-site websocket hijacking), the session must be
authenticated *and* OTP-verified, and the client IP allowlisted. A refusal closes the handshake
with code 4403 and leaves an audit row.
"""

from urllib.parse import urlparse

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import OriginValidator
from django.conf import settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from shopee_cs.security.allowlist import ip_allowed_for_user
from shopee_cs.security.ip import client_ip
from shopee_cs.security.services import audit_record

REFUSED = 4403


async def deny(receive, send) -> None:
    message = await receive()
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.close", "code": REFUSED})


def _audit_refusal(scope, reason: str, **details) -> None:
    audit_record(
        action="websocket.refused",
        scope=scope,
        details={"reason": reason, "path": scope.get("path", "")[:200], **details},
    )


class AuditedOriginValidator(OriginValidator):
    """channels' AllowedHostsOriginValidator, plus an audit row for each refusal."""

    async def __call__(self, scope, receive, send):
        origin = next((v for k, v in scope.get("headers", []) if k == b"origin"), None)
        try:
            parsed = urlparse(origin.decode("latin1")) if origin is not None else None
        except UnicodeDecodeError:
            parsed = None
        if self.valid_origin(parsed):
            return await self.application(scope, receive, send)
        origin_text = origin.decode("latin1", "replace")[:200] if origin else ""
        await database_sync_to_async(_audit_refusal)(scope, "origin", origin=origin_text)
        return await deny(receive, send)


def otp_verified_in_scope(scope) -> bool:
    """Mirror of django-otp's OTPMiddleware._finalize_device for a socket's session."""
    user = scope.get("user")
    session = scope.get("session")
    if not (user and user.is_authenticated and session is not None):
        return False
    persistent_id = session.get(DEVICE_ID_SESSION_KEY)
    device = Device.from_persistent_id(persistent_id) if persistent_id else None
    return bool(device and device.user_id == user.pk and device.confirmed)


def _refusal(scope) -> str | None:
    user = scope.get("user")
    if not (user and user.is_authenticated):
        return "unauthenticated"
    if not otp_verified_in_scope(scope):
        return "otp_required"
    if not ip_allowed_for_user(client_ip(scope), user=user):
        return "ip_not_allowed"
    return None


class StaffSocketGuard:
    """Runs inside AuthMiddlewareStack; marks accepted scopes with scope["staff_verified"]."""

    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] != "websocket":
            return await self.application(scope, receive, send)
        reason = await database_sync_to_async(_refusal)(scope)
        if reason is not None:
            await database_sync_to_async(_audit_refusal)(scope, reason)
            return await deny(receive, send)
        return await self.application(dict(scope, staff_verified=True), receive, send)


def staff_websocket_stack(inner):
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = ["localhost", "127.0.0.1", "[::1]"]
    return AuditedOriginValidator(AuthMiddlewareStack(StaffSocketGuard(inner)), allowed)
