from django.contrib.auth.models import AbstractUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """The staff user (agent, supervisor or admin). Custom from the first migration."""

    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    # Raised to end every session of the user at once (a logout Redis could not record); it
    # enters the session hash that Django and Channels check on every request and socket.
    session_generation = models.PositiveIntegerField(_("session generation"), default=0)

    def __str__(self) -> str:
        return self.display_name or self.get_username()

    def _get_session_auth_hash(self, secret=None) -> str:
        # Generation 0 keeps Django's hash, so sessions from before this field stay valid.
        if not self.session_generation:
            return super()._get_session_auth_hash(secret=secret)
        key_salt = "shopee_cs.models.User.get_session_auth_hash"
        value = f"{self.password}:{self.session_generation}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()


class AuditEventQuerySet(models.QuerySet):
    """Append-only: bulk update and delete through the ORM are refused."""

    def update(self, **kwargs):
        raise PermissionError("Audit events are append-only.")

    def delete(self):
        raise PermissionError("Audit events are append-only.")


class AuditEvent(models.Model):
    """One security-relevant event. Written only by shopee_cs.security.services.audit_record."""

    created_at = models.DateTimeField(_("time (UTC)"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("actor"),
    )
    # Kept when the user row is deleted, so the trail still names who did it.
    actor_username = models.CharField(_("actor username"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(_("target type"), max_length=64, blank=True)
    target_id = models.CharField(_("target ID"), max_length=64, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    request_id = models.CharField(_("request ID"), max_length=64, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["actor", "-created_at"], name="audit_actor_time")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action} {self.actor_username}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only.")


class ApiKey(models.Model):
    """A scoped key for a REST client, acting as its owner (and never seeing more than the owner).

    Only the SHA-256 of the key is stored; the key is shown once on creation. `prefix` is the
    visible, unique lookup part (`scs_<prefix>_<secret>`).
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="api_keys", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    last_used_ip = models.GenericIPAddressField(
        _("last used from"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]
        verbose_name = _("API key")

    def __str__(self) -> str:
        return f"{self.name} (scs_{self.prefix}_…)"


class IPAllowlistEntry(models.Model):
    """One allowed CIDR. Global, per role (auth group), per user, or binding one API key.

    Semantics are in docs/security.md: global, role and user entries widen what a person may use;
    API-key entries narrow what that key may use.
    """

    class Scope(models.TextChoices):
        GLOBAL = "global", _("Global")
        ROLE = "role", _("Role")
        USER = "user", _("User")
        API_KEY = "api_key", _("API key")

    cidr = models.CharField(_("CIDR"), max_length=64)
    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices, default=Scope.GLOBAL)
    role = models.ForeignKey(
        "auth.Group",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("role"),
    )
    user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="ip_allowlist",
        verbose_name=_("user"),
    )
    api_key = models.ForeignKey(
        ApiKey,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="ip_allowlist",
        verbose_name=_("API key"),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["scope", "cidr"]
        verbose_name = _("IP allowlist entry")
        verbose_name_plural = _("IP allowlist entries")
        constraints = [
            models.CheckConstraint(
                name="allowlist_target_matches_scope",
                condition=(
                    models.Q(scope="global", role=None, user=None, api_key=None)
                    | models.Q(scope="role", role__isnull=False, user=None, api_key=None)
                    | models.Q(scope="user", role=None, user__isnull=False, api_key=None)
                    | models.Q(scope="api_key", role=None, user=None, api_key__isnull=False)
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.cidr} ({self.get_scope_display()})"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from shopee_cs.security.ip import parse_networks

        try:
            parse_networks([self.cidr])
        except ValueError as exc:
            raise ValidationError({"cidr": _("Not a valid IP address or CIDR.")}) from exc
        targets = {"role": self.role_id, "user": self.user_id, "api_key": self.api_key_id}
        for scope, target in targets.items():
            if (self.scope == scope) != (target is not None):
                raise ValidationError(_("Set exactly the target that matches the scope."))
