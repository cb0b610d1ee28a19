"""HTTP enforcement: IP allowlist, then "an authenticated session must be OTP-verified"."""

from urllib.parse import quote

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language_from_path
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from shopee_cs.security.allowlist import ip_allowed_anonymous, ip_allowed_for_user
from shopee_cs.security.drf import api_key_header
from shopee_cs.security.ip import client_ip, current_client_ip
from shopee_cs.security.selectors import user_has_confirmed_totp
from shopee_cs.security.services import audit_record

REFUSAL_AUDIT_SECONDS = 60  # one audit row per (ip, user, path) a minute: scanners can't flood it


def _starts(path: str, prefixes) -> bool:
    language = get_language_from_path(path)
    if language:  # /zh-hans/accounts/... is /accounts/...
        path = path[len(language) + 1 :]
    return any(path.startswith(p) for p in prefixes)


def _first_refusal_this_minute(ip, user_id, path: str) -> bool:
    try:
        return cache.add(f"security:refused:{ip}:{user_id}:{path[:200]}", 1, REFUSAL_AUDIT_SECONDS)
    except RedisError:
        return True  # without Redis, audit every refusal rather than none


class IPAllowlistMiddleware:
    """403 for clients outside the allowlist. Marketplace webhooks and health checks are exempt.

    API-key requests pass a pre-check here; the key's own check runs in ApiKeyAuthentication.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        ip = client_ip(request)
        token = current_client_ip.set(ip)
        try:
            return self._check(request, path, ip)
        finally:
            current_client_ip.reset(token)

    def _check(self, request, path, ip):
        if _starts(path, settings.IP_ALLOWLIST_EXEMPT_PATHS):
            return self.get_response(request)
        user = request.user
        if api_key_header(request) is None and user.is_authenticated:
            allowed = ip_allowed_for_user(ip, user=user)
        else:
            allowed = ip_allowed_anonymous(ip)
        if allowed:
            return self.get_response(request)
        if _first_refusal_this_minute(ip, user.pk, path):
            audit_record(
                action="allowlist.refused",
                request=request,
                ip=ip,
                details={"path": path[:200], "surface": "http"},
            )
        message = _("Access from your network address is not allowed. Ask an administrator.")
        if path.startswith("/api/"):  # the API answers JSON, as its schema says
            return JsonResponse({"detail": message}, status=403)
        return HttpResponseForbidden(message, content_type="text/plain; charset=utf-8")


class OTPRequiredMiddleware:
    """A signed-in but not OTP-verified session reaches only the sign-in and 2FA pages.

    The API is left to DRF's IsOTPVerified (a JSON 403 rather than a redirect). The admin also
    checks is_verified() itself (OTPAdminSite).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        path = request.path_info
        if (
            user.is_authenticated
            and not user.is_verified()
            and not _starts(path, settings.OTP_EXEMPT_PATHS)
        ):
            step = "otp-verify" if user_has_confirmed_totp(user=user) else "otp-setup"
            return redirect(f"{reverse(step)}?next={quote(request.get_full_path())}")
        return self.get_response(request)
