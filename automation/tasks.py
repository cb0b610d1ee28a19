"""automation's periodic tasks (thin: the work is in the services)."""

from celery import shared_task

from automation.services.routing import reassign_scan, routing_drain_all


@shared_task(name="automation.routing_drain", ignore_result=True)
def routing_drain_task() -> None:
    routing_drain_all()


@shared_task(name="automation.routing_reassign_scan", ignore_result=True)
def routing_reassign_scan_task() -> None:
    reassign_scan()
