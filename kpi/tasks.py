from celery import shared_task

from kpi.services.rollups import rollups_refresh


@shared_task(name="kpi.rollups_refresh", ignore_result=True)
def rollups_refresh_task() -> None:
    rollups_refresh()
