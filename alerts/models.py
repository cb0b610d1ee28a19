"""Alerts: what a team must hear about now (a buyer waiting too long, a ticket due, a shop
that stopped syncing), delivered once to each of its group's IM robots and in the console."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chat.models import AgentGroup
from integrations.robots import RobotKind


class Robot(models.Model):
    """One group robot (several per agent group). The webhook URL holds its key or token, so it
    is a secret too: both are kept encrypted; `webhook_host` is what lists show."""

    class Kind(models.TextChoices):
        WECOM = RobotKind.WECOM.value, _("WeCom (企业微信) group robot")
        DINGTALK = RobotKind.DINGTALK.value, _("DingTalk (钉钉) custom robot")
        FEISHU = RobotKind.FEISHU.value, _("Feishu / Lark (飞书) custom bot")

    group = models.ForeignKey(
        AgentGroup, on_delete=models.CASCADE, related_name="robots", verbose_name=_("agent group")
    )
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("IM"), max_length=16, choices=Kind.choices)
    webhook_url_encrypted = models.TextField(editable=False)
    webhook_host = models.CharField(_("webhook"), max_length=255, editable=False)
    secret_encrypted = models.TextField(blank=True, editable=False)
    keyword = models.CharField(
        _("security keyword"),
        max_length=40,
        blank=True,
        help_text=_(
            "If the robot's security setting is a custom keyword, enter one here: every "
            "message will contain it."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # The robot's own pace: the times (epoch seconds) of the messages sent in the last minute,
    # at most ALERTS_ROBOT_PER_MINUTE of them (the IMs allow 20), and none until `held_until`
    # after the IM said "too fast".
    recent_sends = models.JSONField(default=list, editable=False)
    held_until = models.DateTimeField(null=True, editable=False)
    last_success_at = models.DateTimeField(_("last delivered"), null=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    last_error_at = models.DateTimeField(_("last error at"), null=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["group", "name", "id"]
        verbose_name = _("group robot")
        verbose_name_plural = _("group robots")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class GroupAlertPolicy(models.Model):
    """How a group is alerted. No row: the defaults (settings) and no lead."""

    group = models.OneToOneField(
        AgentGroup,
        on_delete=models.CASCADE,
        related_name="alert_policy",
        verbose_name=_("agent group"),
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("group lead"),
        help_text=_("Mentioned when a buyer's wait breaches the first-response target."),
    )
    warn_after_seconds = models.PositiveIntegerField(
        _("warn after (seconds)"),
        default=120,
        help_text=_("A buyer waiting this long raises a warning (the target is the shop's)."),
    )
    reassign_on_breach = models.BooleanField(
        _("reassign on breach"),
        default=True,
        help_text=_("On breach, hand the conversation to an available agent of the group."),
    )
    pause_outside_business_hours = models.BooleanField(
        _("pause outside business hours"),
        default=False,
        help_text=_(
            "Count a buyer's wait only in the shop's business hours (the marketplace itself "
            "counts every minute)."
        ),
    )
    digest_time = models.TimeField(_("daily digest at"), null=True, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")

    class Meta:
        verbose_name = _("group alert policy")
        verbose_name_plural = _("group alert policies")

    def __str__(self) -> str:
        return str(self.group)


class ImContact(models.Model):
    """How an agent is mentioned in each IM."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="im_contact",
        verbose_name=_("agent"),
    )
    wecom_user_id = models.CharField(_("WeCom user id"), max_length=64, blank=True)
    mobile = models.CharField(_("mobile number"), max_length=20, blank=True)
    dingtalk_user_id = models.CharField(_("DingTalk user id"), max_length=64, blank=True)
    feishu_open_id = models.CharField(_("Feishu open_id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("IM contact")
        verbose_name_plural = _("IM contacts")

    def __str__(self) -> str:
        return str(self.user)


class Alert(models.Model):
    """One alert, raised once per subject and threshold (`dedup_key` is unique)."""

    class Kind(models.TextChoices):
        FIRST_RESPONSE_WARNING = "frt_warning", _("Buyer waiting (warning)")
        FIRST_RESPONSE_BREACH = "frt_breach", _("First-response target breached")
        TICKET_DUE_SOON = "ticket_due_soon", _("Ticket due soon")
        TICKET_BREACHED = "ticket_breached", _("Ticket overdue")
        INTEGRATION = "integration", _("Shop connection problem")
        DIGEST = "digest", _("Daily digest")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    dedup_key = models.CharField(max_length=200, unique=True)
    group = models.ForeignKey(
        AgentGroup, on_delete=models.CASCADE, related_name="+", verbose_name=_("agent group")
    )
    shop = models.ForeignKey(
        "integrations.Shop",
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        verbose_name=_("shop"),
    )
    conversation = models.ForeignKey(
        "chat.Conversation", on_delete=models.CASCADE, null=True, related_name="+"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, null=True, related_name="+"
    )
    due_at = models.DateTimeField(_("due at"))  # when the threshold was reached
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))  # one markdown line: what, where, who, a link
    mention_user_ids = models.JSONField(default=list)  # our users to mention
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [models.Index(fields=["group", "-raised_at"], name="alert_group_recent")]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self) -> str:
        return self.title


class AlertDelivery(models.Model):
    """An alert on its way to one robot. Several pending ones of a robot go as one message."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    robot = models.ForeignKey(Robot, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True)
    claimed_until = models.DateTimeField(null=True)  # a sender's lease
    delivered_at = models.DateTimeField(_("delivered at"), null=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alert", "robot"], name="alert_delivery_once")
        ]
        indexes = [
            models.Index(
                fields=["robot", "next_attempt_at"],
                condition=models.Q(status="pending"),
                name="alert_delivery_pending",
            )
        ]
        verbose_name = _("alert delivery")
        verbose_name_plural = _("alert deliveries")

    def __str__(self) -> str:
        return f"{self.alert} → {self.robot}"
