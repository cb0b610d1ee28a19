"""Receivers of chat's signals: they only enqueue (chat.signals says why)."""

from celery import current_app


def return_updated(sender, buyer_return, **kwargs) -> None:
    current_app.tasks["tickets.ticket_from_return"].delay(buyer_return.pk)
