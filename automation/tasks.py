"""automation's tasks (thin: the work is in the services)."""

from celery import shared_task
from django.contrib.auth import get_user_model

from automation.services.auto_reply import auto_reply_failed, message_automate
from automation.services.routing import (
    agent_activity_touch,
    agent_groups_drain,
    reassign_scan,
    routing_drain_all,
)
from automation.services.tracking_updates import tracking_update_notify


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


@shared_task(name="automation.message_automate", ignore_result=True)
def message_automate_task(message_id: int) -> None:
    message_automate(message_id=message_id)


@shared_task(name="automation.auto_reply_failed", ignore_result=True)
def auto_reply_failed_task(message_id: int) -> None:
    auto_reply_failed(message_id=message_id)


@shared_task(name="automation.tracking_update_notify", ignore_result=True)
def tracking_update_notify_task(order_id: int) -> None:
    tracking_update_notify(order_id=order_id)
