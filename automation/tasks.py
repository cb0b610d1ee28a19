"""Automation's tasks: thin wrappers over the services."""

from celery import shared_task

from automation.services.auto_reply import auto_reply_failed, message_automate
from automation.services.tracking_updates import tracking_update_notify


@shared_task(name="automation.message_automate", ignore_result=True)
def message_automate_task(message_id: int) -> None:
    message_automate(message_id=message_id)


@shared_task(name="automation.auto_reply_failed", ignore_result=True)
def auto_reply_failed_task(message_id: int) -> None:
    auto_reply_failed(message_id=message_id)


@shared_task(name="automation.tracking_update_notify", ignore_result=True)
def tracking_update_notify_task(order_id: int) -> None:
    tracking_update_notify(order_id=order_id)
