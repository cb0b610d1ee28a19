"""Services queue chat's background work through here, by task name: tasks import services, so
services never import chat.tasks (no import circle), and the layers above chat queue the same way.
"""

from django.db import transaction

from shopee_cs.celery import app

INBOUND_EVENT_PROCESS = "chat.inbound_event_process"
OUTBOUND_DELIVERY_SEND = "chat.outbound_delivery_send"


def enqueue_on_commit(task_name: str, *args, countdown: float | None = None) -> None:
    """Queue the task once the current transaction commits (at once outside one); never for a
    rolled-back write. Robust: with the broker down the row that asked for the work stays
    pending, and the sweeps queue it later."""
    transaction.on_commit(
        lambda: app.tasks[task_name].apply_async(args, countdown=countdown), robust=True
    )
