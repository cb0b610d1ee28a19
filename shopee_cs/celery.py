"""The Celery application. Configuration lives in Django settings under the CELERY_ prefix."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopee_cs.settings.local")

app = Celery("shopee_cs")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def refuse_drifted_configuration(**_kwargs) -> None:
    """A worker must not start with unsafe delivery settings or a malformed marketplace
    setting (see shopee_cs.checks and integrations.checks)."""
    from shopee_cs.checks import start_refusal

    refusal = start_refusal("celery", "marketplaces")
    if refusal:
        raise SystemExit(refusal)


@worker_init.connect
def freeze_startup_objects_before_fork(**_kwargs) -> None:
    """In the main process, before the pool forks its children: they inherit the frozen
    objects untouched, where freezing in each child would write to every shared page."""
    from shopee_cs.process import freeze_startup_objects

    freeze_startup_objects()
