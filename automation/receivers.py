"""Receivers of chat's signals: they only enqueue (chat.signals says why)."""

from celery import current_app

from automation.services.auto_reply import message_is_fresh

MESSAGE_AUTOMATE = "automation.message_automate"
AUTO_REPLY_FAILED = "automation.auto_reply_failed"
TRACKING_UPDATE_NOTIFY = "automation.tracking_update_notify"


def message_received(sender, message, **kwargs) -> None:
    # Pulled history is not answered: the cheap age test here spares a task per old message.
    if message_is_fresh(message):
        current_app.tasks[MESSAGE_AUTOMATE].delay(message.pk)


def reply_failed(sender, message, **kwargs) -> None:
    if message.sender_kind == "auto":
        current_app.tasks[AUTO_REPLY_FAILED].delay(message.pk)


def order_updated(sender, order, **kwargs) -> None:
    if order.tracking_number:  # the opt-in is checked by the task (a query)
        current_app.tasks[TRACKING_UPDATE_NOTIFY].delay(order.pk)
