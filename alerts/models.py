"""The IM group robots each agent group's alerts go to."""

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
