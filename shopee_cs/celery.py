"""The Celery application. Configuration lives in Django settings under the CELERY_ prefix."""

import os

from celery import Celery
from celery.signals import worker_init, worker_process_init

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


@worker_process_init.connect
def freeze_startup_objects_in_child(**_kwargs) -> None:
    from shopee_cs.process import freeze_startup_objects

    freeze_startup_objects()
