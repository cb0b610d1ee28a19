from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
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

# ISO 4217 currency of each site's orders.
SITE_CURRENCIES = {
    Site.MY: "MYR",
    Site.TH: "THB",
    Site.VN: "VND",
    Site.PH: "PHP",
    Site.SG: "SGD",
    Site.ID: "IDR",
    Site.TW: "TWD",
    Site.BR: "BRL",
}

# The languages buyers of each site write in (ISO 639-1), the site's main language first:
# language detection restricts itself to these (plus en and zh), and reply templates fall back
# to the first. Taiwan's Chinese is written in Traditional characters (see the templates).
SITE_LANGUAGES = {
    Site.MY: ("ms", "en", "zh"),
    Site.TH: ("th", "en"),
    Site.VN: ("vi", "en"),
    Site.PH: ("en",),
    Site.SG: ("en", "zh", "ms"),
    Site.ID: ("id", "en"),
    Site.TW: ("zh", "en"),
    Site.BR: ("pt", "en"),
}


def first_response_target_default() -> int:
    return settings.FIRST_RESPONSE_TARGET_SECONDS


class Shop(models.Model):
    """One marketplace shop connected to this system."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        NEEDS_REAUTH = "needs_reauth", _("Needs re-authorization")
        DISABLED = "disabled", _("Disabled")

    platform = models.CharField(
        _("platform"), max_length=16, choices=Platform.choices, default=Platform.SHOPEE
    )
    # Marketplace ids exceed 2**53: always strings.
    platform_shop_id = models.CharField(_("platform shop ID"), max_length=32)
    site = models.CharField(_("site"), max_length=2, choices=Site.choices)
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    status_reason = models.TextField(_("status reason"), blank=True)
    # Set when the shop came through a main-account (or cross-border merchant) authorization.
    main_account_id = models.CharField(_("main account ID"), max_length=32, blank=True)
    merchant_id = models.CharField(_("merchant ID"), max_length=32, blank=True)
    authorization_expires_at = models.DateTimeField(
        _("authorization expires at"), null=True, blank=True
    )
    # Credentials some marketplaces add to the token pair (a shop cipher, a regional endpoint),
    # by the names the adapter declares: encrypted JSON (integrations.services.credentials).
    credentials_encrypted = models.TextField(_("marketplace credentials (encrypted)"), blank=True)
    # What the app may do for this shop, probed at connect time (see shop_capabilities_probe).
    capabilities = models.JSONField(_("capabilities"), default=dict, blank=True)
    capabilities_checked_at = models.DateTimeField(
        _("capabilities checked at"), null=True, blank=True
    )
    # Read by the console's countdown, and by alerts and reports.
    first_response_target_seconds = models.PositiveIntegerField(
        _("first-response target (seconds)"),
        default=first_response_target_default,
        validators=[MinValueValidator(1), MaxValueValidator(7 * 24 * 3600)],
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
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


class ShopToken(models.Model):
    """The shop's OAuth token pair, encrypted at rest (shopee_cs.crypto).

    Rows are written only by integrations.services.tokens. Refresh tokens are single-use, so
    two refreshes of one shop must never run at once: a refresh claims the row first
    (refreshing_until), and calls the marketplace with no lock held.
    """

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="token")
    access_token_encrypted = models.TextField()
    refresh_token_encrypted = models.TextField()
    access_expires_at = models.DateTimeField(_("access token expires at"))
    refresh_expires_at = models.DateTimeField(_("refresh token expires at"), null=True, blank=True)
    refreshed_at = models.DateTimeField(_("last refreshed at"), null=True, blank=True)
    refresh_count = models.PositiveIntegerField(_("refreshes"), default=0)
    refreshing_until = models.DateTimeField(_("a refresh holds it until"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("shop token")
        verbose_name_plural = _("shop tokens")

    def __str__(self) -> str:
        return _("tokens of %(shop)s") % {"shop": self.shop}


class IntegrationAlert(models.Model):
    """A problem with a shop connection that a person must act on (one open alert per kind)."""

    class Kind(models.TextChoices):
        NEEDS_REAUTH = "needs_reauth", _("Needs re-authorization")
        DEAUTHORIZED = "deauthorized", _("Deauthorized by the seller")
        TOKEN_EXPIRING = "token_expiring", _("Authorization expiring")
        CAPABILITY_MISSING = "capability_missing", _("Missing API capability")

    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("shop")
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    message = models.TextField(_("message"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("integration alert")
        verbose_name_plural = _("integration alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "kind"],
                condition=models.Q(resolved_at__isnull=True),
                name="integrationalert_one_open_per_kind",
            )
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.shop}"


# Business hours live in their own module (they need Shop, defined above); imported here so
# Django registers the models with this app.
from integrations.business_hours import (  # noqa: E402
    BusinessCalendar,
    BusinessHoliday,
    BusinessPeriod,
)

__all__ = [
    "SITE_CURRENCIES",
    "SITE_LANGUAGES",
    "SITE_TIME_ZONES",
    "BusinessCalendar",
    "BusinessHoliday",
    "BusinessPeriod",
    "IntegrationAlert",
    "Platform",
    "Shop",
    "ShopToken",
    "Site",
]
