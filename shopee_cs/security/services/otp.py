"""Two-factor authentication with django-otp: TOTP enrollment, verification, backup codes.

Every verification locks the device row first. django-otp's own verify_token reads and writes
without a lock, so two parallel submissions of one backup code (or one TOTP code) could both
pass; the row lock serialises them and the second one sees the token already consumed.
"""

from datetime import datetime
from typing import Any

import django_otp
from django.db import transaction
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from shopee_cs.security.services.audit import audit_record

BACKUP_CODE_COUNT = 10
TOTP_NAME = "Authenticator app"
BACKUP_NAME = "Backup codes"


class OtpRefused(Exception):
    """A code was refused. `locked_until` is set when throttling refused it without checking."""

    def __init__(self, reason: str, locked_until: datetime | None = None):
        super().__init__(reason)
        self.reason = reason
        self.locked_until = locked_until


def totp_device_pending(*, user: Any) -> TOTPDevice:
    """The unconfirmed TOTP device shown on the setup page (same secret until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def _check_locked(device: Device, token: str) -> OtpRefused | None:
    allowed, data = device.verify_is_allowed()
    if not allowed:
        return OtpRefused("throttled", locked_until=(data or {}).get("locked_until"))
    if isinstance(device, StaticDevice):
        # Locked consume: a code that another request already used is gone after its commit.
        match = StaticToken.objects.select_for_update().filter(device=device, token=token).first()
        if match is None:
            device.throttle_increment()
            return OtpRefused("wrong_code")
        match.delete()
        device.throttle_reset(commit=False)
        device.set_last_used_timestamp()
    elif not device.verify_token(token):  # TOTP: last_t refuses reuse within a step
        return OtpRefused("wrong_code")
    return None


def _verify(*, device: Device, token: str) -> Device:
    # The refusal is raised after the block so the throttle counter's update is committed.
    with transaction.atomic():
        locked = type(device).objects.select_for_update().get(pk=device.pk)
        refused = _check_locked(locked, token.strip().replace(" ", ""))
    if refused is not None:
        raise refused
    return locked


def _session_upgrade(request: Any, device: Device) -> None:
    django_otp.login(request, device)
    # django_otp.login keeps the session key: rotate it so a key seen before 2FA is worthless.
    request.session.cycle_key()


def backup_codes_generate(*, user: Any, request: Any = None) -> list[str]:
    """Replace the user's backup codes with fresh ones; returns them to show exactly once."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name=BACKUP_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
        audit_record(action="otp.backup_codes_generated", request=request, user=user)
    return codes


def otp_enroll_confirm(*, request: Any, device: TOTPDevice, token: str) -> list[str]:
    """Confirm a pending TOTP device with its first code, verify the session, make backup codes."""
    user = request.user
    try:
        device = _verify(device=device, token=token)
    except OtpRefused as refused:
        audit_record(
            action="otp.enroll_failed", request=request, details={"reason": refused.reason}
        )
        raise
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(action="otp.enrolled", request=request, target=device)
    codes = backup_codes_generate(user=user, request=request)
    _session_upgrade(request, device)
    return codes


def otp_verify(*, request: Any, device: Device, token: str) -> Device:
    """Verify `token` against the one device the user chose; upgrades the session on success."""
    try:
        device = _verify(device=device, token=token)
    except OtpRefused as refused:
        audit_record(
            action="otp.failed",
            request=request,
            target=device,
            details={"reason": refused.reason, "device": type(device).__name__},
        )
        raise
    action = "otp.backup_code_used" if isinstance(device, StaticDevice) else "otp.verified"
    audit_record(action=action, request=request, target=device)
    _session_upgrade(request, device)
    return device
