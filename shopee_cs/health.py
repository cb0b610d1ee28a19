"""Liveness (/healthz) and readiness (/readyz: PostgreSQL, Redis, Celery broker, a Celery
worker) endpoints."""

import dataclasses
import threading
import time

from django.conf import settings
from django.http import JsonResponse
from health_check.base import HealthCheck
from health_check.checks import Database
from health_check.contrib.redis import Redis
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView
from redis.asyncio import Redis as AsyncRedis

BROKER_CONNECT_SECONDS = 2
WORKER_PING_SECONDS = 1.0
# How long a ping's outcome stands: a load balancer polling /readyz every few seconds costs a
# ping per period, and at most WORKER_PING_SECONDS of waiting when no worker answers.
WORKER_ANSWER_SECONDS = {True: 10.0, False: 5.0}


class _WorkerAnswer:
    lock = threading.Lock()
    error: str | None = None
    until = 0.0


def _broker_connection(app):
    conn = app.connection_for_write()
    try:
        conn.ensure_connection(max_retries=1, timeout=BROKER_CONNECT_SECONDS)
    except Exception:
        conn.release()
        raise
    return conn


@dataclasses.dataclass
class CeleryBroker(HealthCheck):
    """The broker accepts connections."""

    def run(self) -> None:
        from shopee_cs.celery import app

        try:
            _broker_connection(app).release()
        except Exception as exc:  # kombu raises many transport-specific errors
            raise ServiceUnavailable(f"broker unreachable: {type(exc).__name__}") from exc


def _ping_workers() -> str | None:
    """None when at least one worker answered a ping, else why not."""
    from shopee_cs.celery import app

    try:
        conn = _broker_connection(app)
    except Exception as exc:
        return f"no worker can answer: broker unreachable ({type(exc).__name__})"
    try:
        # limit=1: the first answer ends the wait; without one it lasts the whole timeout.
        replies = app.control.ping(timeout=WORKER_PING_SECONDS, limit=1, connection=conn)
    except Exception as exc:
        return f"no worker can answer: broker unreachable ({type(exc).__name__})"
    finally:
        conn.release()
    return None if replies else f"no Celery worker answered a ping within {WORKER_PING_SECONDS:g} s"


def worker_unready_reason() -> str | None:
    """Why no Celery worker is known to be up (None when one is), from a ping at most every
    few seconds per process; concurrent callers share one ping."""
    with _WorkerAnswer.lock:
        if time.monotonic() >= _WorkerAnswer.until:
            _WorkerAnswer.error = _ping_workers()
            ttl = WORKER_ANSWER_SECONDS[_WorkerAnswer.error is None]
            _WorkerAnswer.until = time.monotonic() + ttl
        return _WorkerAnswer.error


def forget_worker_answer() -> None:
    """The next readiness check pings again."""
    with _WorkerAnswer.lock:
        _WorkerAnswer.until = 0.0


@dataclasses.dataclass
class CeleryWorker(HealthCheck):
    """At least one Celery worker answers: without one, pushes wait, replies are not sent and
    nothing is reconciled."""

    def run(self) -> None:
        reason = worker_unready_reason()
        if reason:
            raise ServiceUnavailable(reason)


def liveness(request):
    return JsonResponse({"status": "ok"})


def readiness_view():
    return HealthCheckView.as_view(
        checks=[
            (Database, {}),
            (Redis, {"client_factory": lambda: AsyncRedis.from_url(settings.REDIS_URL)}),
            (CeleryBroker, {}),
            (CeleryWorker, {}),
        ]
    )
