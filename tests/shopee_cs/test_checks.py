from django.test import override_settings

from shopee_cs.checks import celery_delivery_settings


def _ids():
    return {error.id for error in celery_delivery_settings()}


def test_default_celery_settings_pass():
    assert _ids() == set()


@override_settings(CELERY_TASK_ACKS_LATE=False)
def test_early_acks_are_refused():
    assert _ids() == {"shopee_cs.E001"}


@override_settings(CELERY_TASK_REJECT_ON_WORKER_LOST=False)
def test_dropping_tasks_of_lost_workers_is_refused():
    assert _ids() == {"shopee_cs.E002"}


@override_settings(CELERY_WORKER_PREFETCH_MULTIPLIER=4)
def test_prefetch_above_one_is_refused():
    assert _ids() == {"shopee_cs.E003"}


@override_settings(CELERY_TASK_SOFT_TIME_LIMIT=300, CELERY_TASK_TIME_LIMIT=300)
def test_soft_limit_must_be_below_hard_limit():
    assert _ids() == {"shopee_cs.E004"}


@override_settings(
    CELERY_TASK_TIME_LIMIT=600,
    OUTBOX_STALE_SENDING_SECONDS=700,
    CELERY_BROKER_TRANSPORT_OPTIONS={"visibility_timeout": 300},
)
def test_visibility_timeout_must_exceed_the_task_limit():
    assert _ids() == {"shopee_cs.E005"}


@override_settings(OUTBOX_STALE_SENDING_SECONDS=300, CELERY_TASK_TIME_LIMIT=300)
def test_a_live_send_must_never_look_stale_to_the_outbox_sweep():
    assert _ids() == {"shopee_cs.E006"}
