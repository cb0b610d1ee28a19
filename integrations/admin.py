from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from integrations.errors import AdapterError
from integrations.models import IntegrationAlert, Shop, ShopToken
from integrations.services.connect import capabilities_missing, shop_capabilities_probe
from integrations.services.tokens import ShopNotConnected, shop_tokens_refresh


class ShopTokenInline(admin.StackedInline):
    """Expiry and refresh history only: the tokens themselves are never shown."""

    model = ShopToken
    can_delete = False
    fields = ["access_expires_at", "refresh_expires_at", "refreshed_at", "refresh_count"]
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False


CAPABILITY_NAMES = {
    "chat_read": _("read chats"),
    "chat_write": _("send chats"),
    "order_read": _("read orders"),
}


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ["name", "platform", "site", "platform_shop_id", "status", "capability_summary"]
    list_filter = ["platform", "site", "status"]
    search_fields = ["name", "platform_shop_id"]
    readonly_fields = [
        "status_reason",
        "main_account_id",
        "merchant_id",
        "authorization_expires_at",
        "capability_summary",
        "capabilities_checked_at",
        "created_at",
        "updated_at",
    ]
    exclude = ["capabilities"]  # shown as words (capability_summary), never edited by hand
    inlines = [ShopTokenInline]
    actions = ["refresh_tokens_now", "probe_capabilities_now"]
    change_list_template = "integrations/shop_changelist.html"

    @admin.display(description=_("Capabilities"))
    def capability_summary(self, shop: Shop) -> str:
        caps = shop.capabilities
        if not caps:
            return "—"
        flags = [str(CAPABILITY_NAMES[k]) for k in CAPABILITY_NAMES if caps.get(k)]
        missing = [str(CAPABILITY_NAMES[k]) for k in capabilities_missing(caps)]
        not_offered = (
            _("no sending on this site") if caps.get("chat_write_offered") is False else ""
        )
        return format_html(
            "{}{}{}",
            ", ".join(flags),
            format_html(" · {}: <b>{}</b>", _("missing"), ", ".join(missing)) if missing else "",
            f" · {not_offered}" if not_offered else "",
        )

    @admin.action(description=_("Refresh tokens now"))
    def refresh_tokens_now(self, request, queryset):
        for shop in queryset:
            try:
                shop_tokens_refresh(shop=shop, force=True)
                self.message_user(request, f"{shop}: tokens refreshed.")
            except ShopNotConnected as exc:
                self.message_user(request, f"{shop}: {exc.reason}", messages.ERROR)
            except AdapterError as exc:  # e.g. Shopee down, or a refresh already under way
                self.message_user(request, f"{shop}: {exc}", messages.ERROR)

    @admin.action(description=_("Probe API capabilities"))
    def probe_capabilities_now(self, request, queryset):
        for shop in queryset:
            try:
                caps = shop_capabilities_probe(shop=shop)
                self.message_user(request, f"{shop}: {caps}")
            except ShopNotConnected as exc:
                self.message_user(request, f"{shop}: {exc.reason}", messages.ERROR)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "connect_url": reverse("integrations:connect-start"),
        }
        return super().changelist_view(request, extra_context)


@admin.register(IntegrationAlert)
class IntegrationAlertAdmin(admin.ModelAdmin):
    list_display = ["created_at", "shop", "kind", "message", "resolved_at"]
    list_filter = ["kind", "resolved_at"]
    readonly_fields = ["shop", "kind", "message", "created_at"]

    def has_add_permission(self, request):
        return False  # alerts are raised by the system, and resolved here
