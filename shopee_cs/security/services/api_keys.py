"""API keys: created (shown once) and revoked in the admin; checked on every request, uncached,
so a revocation takes effect at the next request."""

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from shopee_cs.models import ApiKey, IPAllowlistEntry
from shopee_cs.security.allowlist import allowlist_cache_clear, ip_allowed_for_api_key
from shopee_cs.security.ip import parse_networks
from shopee_cs.security.scopes import API_SCOPES
from shopee_cs.security.services.audit import audit_record

KEY_MARK = "scs"
# last_used_at is written at most this often per key, which also bounds "api_key.used" rows.
TOUCH_INTERVAL = timedelta(minutes=1)


class ApiKeyRefused(Exception):
    def __init__(self, reason: str, api_key: ApiKey | None = None):
        super().__init__(reason)
        self.reason = reason
        self.api_key = api_key


def _digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


@transaction.atomic
def api_key_create(
    *,
    user: Any,
    name: str,
    scopes: Iterable[str],
    expires_at: datetime | None = None,
    cidrs: Iterable[str] = (),
    actor: Any = None,
    request: Any = None,
) -> tuple[ApiKey, str]:
    """Create a key; returns the row and the raw key, which is never stored or shown again."""
    scopes = sorted(set(scopes))
    unknown = set(scopes) - set(API_SCOPES)
    if unknown:
        raise ValueError(f"Unknown scopes: {', '.join(sorted(unknown))}")
    cidrs = [str(n) for n in parse_networks(cidrs)]
    prefix = secrets.token_hex(6)
    raw_key = f"{KEY_MARK}_{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        key_hash=_digest(raw_key),
        scopes=scopes,
        expires_at=expires_at,
    )
    IPAllowlistEntry.objects.bulk_create(
        IPAllowlistEntry(cidr=c, scope=IPAllowlistEntry.Scope.API_KEY, api_key=api_key)
        for c in cidrs
    )
    if cidrs:  # bulk_create sends no post_save: drop the cached allowlist here
        allowlist_cache_clear()
        transaction.on_commit(allowlist_cache_clear)
    audit_record(
        action="api_key.created",
        request=request,
        user=actor,
        target=api_key,
        details={"owner": user.get_username(), "scopes": scopes, "cidrs": cidrs},
    )
    return api_key, raw_key


def api_key_revoke(*, api_key: ApiKey, actor: Any = None, request: Any = None) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit_record(action="api_key.revoked", request=request, user=actor, target=api_key)
    return api_key


def _lookup(raw_key: str) -> ApiKey:
    parts = raw_key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_MARK:
        raise ApiKeyRefused("malformed")
    api_key = ApiKey.objects.select_related("user").filter(prefix=parts[1]).first()
    if api_key is None or not hmac.compare_digest(api_key.key_hash, _digest(raw_key)):
        raise ApiKeyRefused("unknown")
    return api_key


def api_key_authenticate(*, raw_key: str, ip: str | None, request: Any = None) -> ApiKey:
    """The key behind `raw_key` if it may be used now from `ip`; else ApiKeyRefused (audited)."""
    try:
        api_key = _lookup(raw_key)
        now = timezone.now()
        if api_key.revoked_at is not None:
            raise ApiKeyRefused("revoked", api_key)
        if api_key.expires_at is not None and api_key.expires_at <= now:
            raise ApiKeyRefused("expired", api_key)
        if not api_key.user.is_active:
            raise ApiKeyRefused("owner_inactive", api_key)
        if not ip_allowed_for_api_key(ip, api_key=api_key):
            raise ApiKeyRefused("ip_not_allowed", api_key)
    except ApiKeyRefused as refused:
        key = refused.api_key
        audit_record(
            action="api_key.refused",
            request=request,
            ip=ip,
            user=key.user if key else None,
            target=key,
            target_type="shopee_cs.apikey",
            details={"reason": refused.reason, "prefix": key.prefix if key else ""},
        )
        raise
    if api_key.last_used_at is None or now - api_key.last_used_at >= TOUCH_INTERVAL:
        # Conditional update: concurrent requests write (and audit) once per interval.
        touched = ApiKey.objects.filter(pk=api_key.pk, last_used_at=api_key.last_used_at).update(
            last_used_at=now, last_used_ip=ip
        )
        if touched:
            api_key.last_used_at, api_key.last_used_ip = now, ip
            audit_record(
                action="api_key.used", request=request, ip=ip, user=api_key.user, target=api_key
            )
    return api_key
