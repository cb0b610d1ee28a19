"""Liveness (/healthz) and readiness (/readyz: PostgreSQL, Redis, Celery broker) endpoints."""

import dataclasses

from django.conf import settings
from django.http import JsonResponse
from health_check.base import HealthCheck
from health_check.checks import Database
from health_check.contrib.redis import Redis
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView
from redis.asyncio import Redis as AsyncRedis


@dataclasses.dataclass
class CeleryBroker(HealthCheck):
    """The broker accepts connections (workers may be scaled to zero; that is not unready)."""

    def run(self) -> None:
        from shopee_cs.celery import app

        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
        except Exception as exc:  # kombu raises many transport-specific errors
            raise ServiceUnavailable(f"broker unreachable: {type(exc).__name__}") from exc


def liveness(request):
    return JsonResponse({"status": "ok"})


def readiness_view():
    return HealthCheckView.as_view(
        checks=[
            (Database, {}),
            (Redis, {"client_factory": lambda: AsyncRedis.from_url(settings.REDIS_URL)}),
            (CeleryBroker, {}),
        ]
    )
