from django.db import models
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    SHOPEE = "shopee", "Shopee"
    LAZADA = "lazada", "Lazada"
    TIKTOK = "tiktok", "TikTok Shop"


class Site(models.TextChoices):
    """Marketplace sites (regions). Each has its own local time zone."""

    MY = "MY", _("Malaysia")
    TH = "TH", _("Thailand")
    VN = "VN", _("Vietnam")
    PH = "PH", _("Philippines")
    SG = "SG", _("Singapore")
    ID = "ID", _("Indonesia")
    TW = "TW", _("Taiwan")
    BR = "BR", _("Brazil")


SITE_TIME_ZONES = {
    Site.MY: "Asia/Kuala_Lumpur",
    Site.TH: "Asia/Bangkok",
    Site.VN: "Asia/Ho_Chi_Minh",
    Site.PH: "Asia/Manila",
    Site.SG: "Asia/Singapore",
    Site.ID: "Asia/Jakarta",
    Site.TW: "Asia/Taipei",
    Site.BR: "America/Sao_Paulo",
}


class Shop(models.Model):
    """One marketplace shop connected to this system."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        NEEDS_REAUTH = "needs_reauth", _("Needs re-authorization")
        DISABLED = "disabled", _("Disabled")

    platform = models.CharField(max_length=16, choices=Platform.choices, default=Platform.SHOPEE)
    # Marketplace ids exceed 2**53: always strings.
    platform_shop_id = models.CharField(max_length=32)
    site = models.CharField(max_length=2, choices=Site.choices)
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "platform_shop_id"], name="shop_unique_platform_id"
            )
        ]
        ordering = ["site", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_platform_display()} {self.site})"

    @property
    def time_zone(self) -> str:
        return SITE_TIME_ZONES[self.site]
