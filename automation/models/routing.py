"""Routing's persistent state: each agent's chosen status, capacity and skills, and each agent
group's routing settings. Socket counts (whether a console is open) stay in the cache."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def default_capacity() -> int:
    return getattr(settings, "ROUTING_DEFAULT_CAPACITY", 8)


class AgentProfile(models.Model):
    class Chosen(models.TextChoices):
        ONLINE = "online", _("Online")
        AWAY = "away", _("Away")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile"
    )
    capacity = models.PositiveSmallIntegerField(
        _("capacity"),
        default=default_capacity,
        help_text=_("Open conversations routing may assign to this agent at once."),
    )
    languages = models.JSONField(
        default=list,
        blank=True,
        verbose_name=_("languages"),
        help_text=_("ISO 639-1 codes (e.g. th, vi). Empty: any language."),
    )
    sites = models.JSONField(
        default=list,
        blank=True,
        verbose_name=_("sites"),
        help_text=_("Marketplace sites (e.g. MY, TH). Empty: any site."),
    )
    chosen_status = models.CharField(
        _("chosen status"), max_length=8, choices=Chosen.choices, default=Chosen.ONLINE
    )
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    # Round-robin on ties: the agent assigned least recently goes first.
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("agent profile")
        verbose_name_plural = _("agent profiles")

    def __str__(self) -> str:
        return str(self.user)


class GroupRouting(models.Model):
    group = models.OneToOneField(
        "chat.AgentGroup", on_delete=models.CASCADE, related_name="routing"
    )
    auto_assign = models.BooleanField(_("assign automatically"), default=True)
    reassign_after_seconds = models.PositiveIntegerField(
        _("reassign after (seconds)"),
        default=120,
        help_text=_("Reassign when the assignee has not replied this long; 0 turns it off."),
    )

    class Meta:
        verbose_name = _("group routing")
        verbose_name_plural = _("group routing")

    def __str__(self) -> str:
        return str(self.group)
