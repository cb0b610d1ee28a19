"""Signal receivers (connected in ShopeeCsConfig.ready). Allowed uses only: audit rows for events
of apps we don't own (auth, admin, axes, django-otp), socket revocation, cache invalidation."""

from axes.signals import user_locked_out
from django.contrib.admin.models import LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from shopee_cs.models import IPAllowlistEntry
from shopee_cs.security.allowlist import allowlist_cache_clear
from shopee_cs.security.services import (
    allowlist_changed,
    audit_record,
    sessions_end_on_unrecorded_logout,
    user_access_revoke,
)


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender, request, user, **kwargs):
    # Password step only; the OTP step writes its own "otp.verified" row.
    audit_record(action="login.password_ok", request=request, user=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    audit_record(
        action="login.failed",
        request=request,
        details={"username": str(credentials.get("username", ""))[:150]},
    )


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action="logout", request=request, user=user)
        session = getattr(request, "session", None)
        if sessions_end_on_unrecorded_logout(user=user, session=session):
            audit_record(action="sessions.ended", request=request, user=user)
        user_access_revoke(user_id=user.pk, reason="logout")


@receiver(user_locked_out, dispatch_uid="audit_locked_out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    audit_record(
        action="login.locked_out", request=request, ip=ip_address, details={"username": username}
    )


@receiver(post_save, sender=LogEntry, dispatch_uid="audit_admin_change")
def _admin_change(sender, instance, created, **kwargs):
    if not created:
        return
    flag = {1: "added", 2: "changed", 3: "deleted"}.get(instance.action_flag, "other")
    audit_record(
        action=f"admin.{flag}",
        user=instance.user,
        target_type=instance.content_type.model if instance.content_type_id else "",
        target_id=instance.object_id or "",
        details={"object": instance.object_repr, "change": instance.get_change_message()[:1000]},
    )


@receiver(post_save, sender=IPAllowlistEntry, dispatch_uid="allowlist_saved")
@receiver(post_delete, sender=IPAllowlistEntry, dispatch_uid="allowlist_deleted")
def _allowlist_changed(sender, instance, **kwargs):
    # Now and after commit: a request in between could re-cache the old rows.
    allowlist_cache_clear()
    transaction.on_commit(allowlist_cache_clear)
    allowlist_changed()


@receiver(post_delete, sender=TOTPDevice, dispatch_uid="totp_removed")
@receiver(post_delete, sender=StaticDevice, dispatch_uid="static_removed")
def _device_removed(sender, instance, **kwargs):
    user_access_revoke(user_id=instance.user_id, reason="otp_device_removed")
