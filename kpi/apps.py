from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpiConfig(AppConfig):
    name = "kpi"
    verbose_name = _("KPIs")
    # Supervisors read the marketplace's own figures (nobody edits them: pulled daily).
    role_permissions = {"Supervisor": ("view_marketplaceshopfigure",)}

    def ready(self) -> None:
        from kpi import tasks  # noqa: F401  (registers them by name)
        from kpi.services import marketplace
        from kpi.services.metrics import chat_response_rate

        def our_rates(*, shop_ids, start, end) -> dict[int, float | None]:
            rows = chat_response_rate(shop_ids=shop_ids, start=start, end=end)
            return {shop_id: row["rate"] for shop_id, row in rows.items()}

        marketplace.OUR_RATES_SOURCE = our_rates
