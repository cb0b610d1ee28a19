"""The real Redis is required: these fail (never skip) when it is missing."""

import asyncio
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection
from redis import Redis


def test_redis_answers():
    assert Redis.from_url(settings.REDIS_URL).ping() is True


def test_channel_layer_round_trips_through_redis():
    layer = get_channel_layer()
    assert type(layer).__name__ == "RedisPubSubChannelLayer"
    group = f"test.{uuid.uuid4().hex}"

    async def round_trip() -> dict:  # one loop: a subscription belongs to its event loop
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        await layer.group_send(group, {"type": "test.ping", "n": 1})
        return await asyncio.wait_for(layer.receive(channel), 5)

    assert async_to_sync(round_trip)() == {"type": "test.ping", "n": 1}


def test_database_is_postgresql(db):
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW timezone")
        assert cursor.fetchone()[0] == "UTC"
