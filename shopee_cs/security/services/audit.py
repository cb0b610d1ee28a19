"""audit_record: the one way to append to the audit log. Call it from any layer's services."""

from collections.abc import Mapping
from typing import Any

from django.db import models

from shopee_cs.models import AuditEvent
from shopee_cs.request_id import request_id_var
from shopee_cs.security.ip import client_ip, current_client_ip


def _user_from(source: Any) -> Any:
    if source is None:
        return None
    user = source.get("user") if isinstance(source, Mapping) else getattr(source, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def audit_record(
    *,
    action: str,
    request: Any = None,
    scope: Mapping | None = None,
    user: Any = None,
    ip: str | None = None,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event. The IP comes from client_ip(request or scope) unless given.

    `action` is dotted, e.g. "login.failed", "otp.verified", "allowlist.refused",
    "api_key.used", "message.sent", "export.created". Never put secrets in `details`.
    """
    source = request if request is not None else scope
    if user is None:
        user = _user_from(source)
    if ip is None:
        ip = client_ip(source) if source is not None else current_client_ip.get()
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or target.pk
    return AuditEvent.objects.create(
        actor=user if getattr(user, "pk", None) else None,
        actor_username=user.get_username() if user is not None else "",
        ip=ip,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        details=details or {},
        request_id=getattr(request, "request_id", "") or request_id_var.get().strip("-"),
    )


def audit_export(
    *, request: Any, export_name: str, row_count: int, details: dict[str, Any] | None = None
) -> AuditEvent:
    """Hook for the export features (kpi): every data export leaves one audit row."""
    return audit_record(
        action="export.created",
        request=request,
        target_type="export",
        target_id=export_name,
        details={"rows": row_count, **(details or {})},
    )
