from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from chat.models import AgentGroup
from integrations.models import Shop


class MarketplaceShopFigure(models.Model):
    """The marketplace's own chat figures for a shop, as pulled once a day (kpi.services.
    marketplace). The newest pull of a day replaces that day's row; a failed pull leaves it."""

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("shop")
    )
    day = models.DateField(_("day"))
    # A fraction (0..1) and seconds; null when the marketplace does not report them.
    chat_response_rate = models.FloatField(_("chat response rate"), null=True)
    response_time_seconds = models.FloatField(_("response time (seconds)"), null=True)
    response_rate_target = models.FloatField(_("response rate target"), null=True)
    non_responded_chats = models.IntegerField(_("non-responded chats"), null=True)
    period_start = models.DateTimeField(_("period start"))
    period_end = models.DateTimeField(_("period end"))
    raw_payload = models.JSONField(_("raw payload"), default=dict)
    fetched_at = models.DateTimeField(_("fetched at"))

    class Meta:
        verbose_name = _("marketplace shop figure")
        verbose_name_plural = _("marketplace shop figures")
        constraints = [
            models.UniqueConstraint(fields=["shop", "day"], name="marketplace_figure_shop_day")
        ]
        ordering = ["-day", "shop_id"]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.day}"


class HourlyShopAgentRollup(models.Model):
    """The sums and counts of one UTC hour of facts, per shop, agent and group, from which the
    reports recompute averages and rates (docs/metrics.md, "Rollups"). Keyed by the UTC hour,
    not a local day, so every report zone with whole-hour offsets (all the sites' and Shanghai)
    sums whole rows. Percentiles are not additive: they come from the raw facts. Written only by
    kpi.services.rollups (delete-and-insert per hour range: idempotent)."""

    hour = models.DateTimeField(_("hour (UTC)"))
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    group = models.ForeignKey(AgentGroup, on_delete=models.SET_NULL, null=True, related_name="+")
    first_responses = models.PositiveIntegerField(default=0)
    first_response_ms = models.BigIntegerField(default=0)
    first_responses_within_target = models.PositiveIntegerField(default=0)
    replies = models.PositiveIntegerField(default=0)  # human replies that ended a wait
    reply_ms = models.BigIntegerField(default=0)
    human_messages = models.PositiveIntegerField(default=0)  # every human reply
    auto_replies = models.PositiveIntegerField(default=0)
    waits_started = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["hour", "shop", "agent", "group"],
                name="kpi_rollup_unique_key",
                nulls_distinct=False,
            )
        ]
        indexes = [models.Index(fields=["shop", "hour"], name="kpi_rollup_shop_hour")]

    def __str__(self) -> str:
        return f"{self.shop_id}/{self.agent_id}/{self.group_id} at {self.hour}"
