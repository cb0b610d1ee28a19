import logging

from celery import shared_task

from integrations.models import Shop
from kpi.services.marketplace import marketplace_figure_pull, shops_due_for_figures
from kpi.services.rollups import rollups_refresh

logger = logging.getLogger(__name__)


@shared_task(name="kpi.marketplace_figures_pull")
def marketplace_figures_pull_task() -> int:
    """Beat (hourly): one pull per connected shop still without today's figure."""
    ids = shops_due_for_figures()
    for shop_id in ids:
        shop_marketplace_figure_pull_task.delay(shop_id)
    return len(ids)


@shared_task(name="kpi.shop_marketplace_figure_pull", ignore_result=True)
def shop_marketplace_figure_pull_task(shop_id: int) -> None:
    shop = Shop.objects.filter(pk=shop_id).first()
    if shop is None:
        return
    outcome = marketplace_figure_pull(shop=shop)
    if not outcome.stored:  # the previous figure stays; the next beat tries again
        logger.warning("shop %s: marketplace figures kept from before: %s", shop_id, outcome.reason)


@shared_task(name="kpi.rollups_refresh", ignore_result=True)
def rollups_refresh_task() -> None:
    rollups_refresh()
