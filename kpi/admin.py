"""The marketplace's figures, read-only, with ours beside them once our metric is wired in
(kpi.services.marketplace.OUR_RATES_SOURCE). Rows are scoped to the user's groups' shops."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from chat.selectors import visible_shop_ids
from kpi.models import MarketplaceShopFigure
from kpi.services import marketplace
from shopee_cs.admin_readonly import ReadOnlyModelAdmin


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.2f} %"


@admin.register(MarketplaceShopFigure)
class MarketplaceShopFigureAdmin(ReadOnlyModelAdmin):
    list_display = [
        "day",
        "shop",
        "marketplace_rate",
        "our_rate",
        "response_time_seconds",
        "non_responded_chats",
        "fetched_at",
    ]
    list_filter = ["day"]
    list_select_related = ["shop"]
    date_hierarchy = "day"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        visible = visible_shop_ids(request.user)
        return qs if visible is None else qs.filter(shop__in=visible)

    @admin.display(description=_("marketplace rate"))
    def marketplace_rate(self, obj: MarketplaceShopFigure) -> str:
        return _percent(obj.chat_response_rate)

    @admin.display(description=_("our rate"))
    def our_rate(self, obj: MarketplaceShopFigure) -> str:
        return _percent(marketplace.our_rate_for(obj))
