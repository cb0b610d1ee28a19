from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KpiConfig(AppConfig):
    name = "kpi"
    verbose_name = _("KPIs")
    # Supervisors read the marketplace's own figures (nobody edits them: pulled daily).
    role_permissions = {"Supervisor": ("view_marketplaceshopfigure",)}
