"""System checks that refuse unsafe Celery delivery settings, each error naming its variable;
and the refusal to start that the worker and the web server apply before serving."""

from django.conf import settings
from django.core import checks
from django.core.checks import Error, register


def start_refusal(*tags: str) -> str:
    """The serious findings of the checks with these tags, one per line ("" when none): daphne
    and Celery run no system checks of their own."""
    found = [m for m in checks.run_checks(tags=list(tags)) if m.is_serious()]
    return "\n".join(f"{m.id}: {m.msg}" for m in found)


@register("celery")
def celery_delivery_settings(app_configs=None, **kwargs) -> list[Error]:
    problems: list[tuple[str, str]] = []
    if not settings.CELERY_TASK_ACKS_LATE:
        problems.append(
            ("E001", "CELERY_TASK_ACKS_LATE must be true: acknowledge a task only after it ran.")
        )
    if not settings.CELERY_TASK_REJECT_ON_WORKER_LOST:
        problems.append(
            ("E002", "CELERY_TASK_REJECT_ON_WORKER_LOST must be true: redeliver a lost task.")
        )
    if settings.CELERY_WORKER_PREFETCH_MULTIPLIER != 1:
        problems.append(
            ("E003", "CELERY_WORKER_PREFETCH_MULTIPLIER must be 1: the send queue must not hoard.")
        )
    hard = settings.CELERY_TASK_TIME_LIMIT
    soft = settings.CELERY_TASK_SOFT_TIME_LIMIT
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    if soft >= hard:
        problems.append(
            (
                "E004",
                f"CELERY_TASK_SOFT_TIME_LIMIT ({soft}s) must be below "
                f"CELERY_TASK_TIME_LIMIT ({hard}s).",
            )
        )
    if hard >= visibility:
        problems.append(
            (
                "E005",
                f"CELERY_VISIBILITY_TIMEOUT ({visibility}s) must be longer than "
                f"CELERY_TASK_TIME_LIMIT ({hard}s), or Redis redelivers tasks still running.",
            )
        )
    stale = getattr(settings, "OUTBOX_STALE_SENDING_SECONDS", hard + 60)
    if stale <= hard:
        problems.append(
            (
                "E006",
                f"OUTBOX_STALE_SENDING_SECONDS ({stale}s) must exceed CELERY_TASK_TIME_LIMIT "
                f"({hard}s): a send still running must never be taken for a lost one.",
            )
        )
    return [Error(msg, id=f"shopee_cs.{code}") for code, msg in problems]
