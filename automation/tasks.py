"""Automation's tasks: thin wrappers over the services."""

from celery import shared_task

from automation.services.auto_reply import auto_reply_failed, message_automate


@shared_task(name="automation.message_automate", ignore_result=True)
def message_automate_task(message_id: int) -> None:
    message_automate(message_id=message_id)


@shared_task(name="automation.auto_reply_failed", ignore_result=True)
def auto_reply_failed_task(message_id: int) -> None:
    auto_reply_failed(message_id=message_id)
