from django.contrib import admin, messages
from django.contrib.admin.utils import display_for_value
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from integrations.errors import AdapterError
from integrations.models import IntegrationAlert, Shop, ShopToken
from integrations.selectors import connect_choices
from integrations.services.connect import capabilities_missing, shop_capabilities_probe
from integrations.services.tokens import ShopNotConnected, shop_tokens_refresh

EMPTY = "—"


def _as_of_authorization(shop: Shop, value) -> str:
    """A value that held while the shop was authorized: struck out and marked stale once the
    authorization is lost (it no longer says what the app may do, or until when). A shop an
    admin disabled keeps its authorization, and its values stand."""
    text = display_for_value(value, EMPTY)
    if shop.status != Shop.Status.NEEDS_REAUTH or value in (None, "", {}):
        return text
    return format_html('<s>{}</s> <span class="stale">({})</span>', text, _("stale"))


class ShopTokenInline(admin.StackedInline):
    """Expiry and refresh history only: the tokens themselves are never shown."""

    model = ShopToken
    can_delete = False
    fields = ["access_token_expiry", "refresh_token_expiry", "refreshed_at", "refresh_count"]
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("access token expires at"))
    def access_token_expiry(self, token: ShopToken) -> str:
        return _as_of_authorization(token.shop, token.access_expires_at)

    @admin.display(description=_("refresh token expires at"))
    def refresh_token_expiry(self, token: ShopToken) -> str:
        return _as_of_authorization(token.shop, token.refresh_expires_at)


CAPABILITY_NAMES = {
    "chat_read": _("read chats"),
    "chat_write": _("send chats"),
    "order_read": _("read orders"),
}


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "platform",
        "site",
        "platform_shop_id",
        "status",
        "reconnect",
        "capability_summary",
    ]
    list_filter = ["platform", "site", "status"]
    search_fields = ["name", "platform_shop_id"]
    readonly_fields = [
        "status_reason",
        "reconnect",
        "main_account_id",
        "merchant_id",
        "authorization_expiry",
        "capability_summary",
        "capabilities_checked",
        "created_at",
        "updated_at",
    ]
    # Shown through the displays below (words, staleness), never edited by hand; credentials
    # are secrets, set through integrations.services.credentials only.
    exclude = [
        "capabilities",
        "authorization_expires_at",
        "capabilities_checked_at",
        "credentials_encrypted",
    ]
    inlines = [ShopTokenInline]
    actions = ["refresh_tokens_now", "probe_capabilities_now"]
    change_list_template = "integrations/shop_changelist.html"

    @admin.display(description=_("Reconnect"))
    def reconnect(self, shop: Shop) -> str:
        """The way back for a shop that lost its authorization: the marketplace's consent page
        (the callback restores the shop and resolves its alerts)."""
        if shop.status != Shop.Status.NEEDS_REAUTH:
            return EMPTY
        return format_html(
            '<a href="{}">{}</a>',
            reverse("integrations:connect-start", args=[shop.platform]),
            _("Reconnect the shop"),
        )

    @admin.display(description=_("authorization expires at"))
    def authorization_expiry(self, shop: Shop) -> str:
        return _as_of_authorization(shop, shop.authorization_expires_at)

    @admin.display(description=_("capabilities checked at"))
    def capabilities_checked(self, shop: Shop) -> str:
        return _as_of_authorization(shop, shop.capabilities_checked_at)

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
        summary = format_html(
            "{}{}{}",
            ", ".join(flags),
            format_html(" · {}: <b>{}</b>", _("missing"), ", ".join(missing)) if missing else "",
            f" · {not_offered}" if not_offered else "",
        )
        return _as_of_authorization(shop, summary)

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
            "connect_choices": connect_choices(),
        }
        return super().changelist_view(request, extra_context)


@admin.register(IntegrationAlert)
class IntegrationAlertAdmin(admin.ModelAdmin):
    list_display = ["created_at", "shop", "kind", "message", "resolved_at"]
    list_filter = ["kind", "resolved_at"]
    readonly_fields = ["shop", "kind", "message", "created_at"]

    def has_add_permission(self, request):
        return False  # alerts are raised by the system, and resolved here
