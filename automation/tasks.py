"""automation's periodic tasks (thin: the work is in the services)."""

from celery import shared_task
from django.contrib.auth import get_user_model

from automation.services.routing import (
    agent_activity_touch,
    agent_groups_drain,
    reassign_scan,
    routing_drain_all,
)


@shared_task(name="automation.routing_drain", ignore_result=True)
def routing_drain_task() -> None:
    routing_drain_all()


@shared_task(name="automation.routing_reassign_scan", ignore_result=True)
def routing_reassign_scan_task() -> None:
    reassign_scan()


@shared_task(name="automation.routing_agent_active", ignore_result=True)
def routing_agent_active_task(user_id: int) -> None:
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is not None:
        agent_activity_touch(user=user)


@shared_task(name="automation.routing_agent_drain", ignore_result=True)
def routing_agent_drain_task(user_id: int) -> None:
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is not None:
        agent_groups_drain(user=user)
