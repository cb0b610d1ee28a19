from django.db import models
from django.utils.translation import gettext_lazy as _

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
