from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    """Quality inspection: scorecards, samples, reviews, CSAT, ratings and bad-review
    correlation. Imported by nothing but kpi."""

    name = "quality"
    verbose_name = _("Quality inspection")
