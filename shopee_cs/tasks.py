import time

from celery import shared_task
from django.conf import settings
from redis import Redis

HEARTBEAT_COUNT_KEY = "shopee_cs:heartbeat:count"
HEARTBEAT_AT_KEY = "shopee_cs:heartbeat:at"


@shared_task(name="shopee_cs.heartbeat")
def heartbeat() -> None:
    """A no-op that proves a worker consumes the queue (also the benchmarks' baseline task)."""
    redis = Redis.from_url(settings.REDIS_URL)
    redis.incr(HEARTBEAT_COUNT_KEY)
    redis.set(HEARTBEAT_AT_KEY, time.time())
