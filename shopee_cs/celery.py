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
    """A worker must not start with unsafe delivery settings (see shopee_cs.checks)."""
    from django.core import checks

    errors = [m for m in checks.run_checks(tags=["celery"]) if m.is_serious()]
    if errors:
        raise SystemExit("\n".join(f"{m.id}: {m.msg}" for m in errors))


@worker_process_init.connect
def freeze_startup_objects_in_child(**_kwargs) -> None:
    from shopee_cs.process import freeze_startup_objects

    freeze_startup_objects()
