"""The one real-time publish helper. Services call publish_on_commit; consumers only forward.

Group names (dots, per the style guide):
- ``user.<id>``: every socket of one user. Carries ``security.access_revoked`` (close now).
- ``shop.<id>``: events of one shop, joined only for shops the user's agent groups own.
- ``security.allowlist``: every staff socket; ``security.allowlist_changed`` makes each socket
  re-check its client IP against the new allowlist.
"""

import logging
import os
import threading
import time
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings
from django.db import transaction
from redis import Redis

logger = logging.getLogger(__name__)

ALLOWLIST_GROUP = "security.allowlist"
SEND_TIMEOUT_SECONDS = 0.5
BATCH_TYPE = "realtime.batch"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def shop_group(shop_id: int) -> str:
    return f"shop.{shop_id}"


def _layer_target() -> tuple[str, str]:
    """(Redis URL, channel prefix) of the configured layer, as channels-redis reads them."""
    config = settings.CHANNEL_LAYERS["default"].get("CONFIG", {})
    host = (config.get("hosts") or ["redis://localhost:6379"])[0]
    address = host["address"] if isinstance(host, dict) else host
    return address, config.get("prefix", "asgi")


class _Publisher:
    """Publishes group events from the calling thread, one Redis PUBLISH per group message.

    channels-redis's pub/sub layer carries a group on the Redis channel
    ``<prefix>__group__<group>``, serialised by the layer's own serializer; publishing there
    directly delivers exactly what the layer's group_send would, without an event loop (and a
    thread hop) per publishing process. A failure never fails the caller: the event is
    logged and dropped (sockets replay it from LiveEvent). When Redis fails, publishing pauses
    for PAUSE_SECONDS, so an outage costs one timeout rather than one per event; an event that
    cannot be encoded is dropped alone and pauses nothing.
    """

    PAUSE_SECONDS = 5.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._client: Redis | None = None
        self._key: tuple[int, str] = (0, "")
        self._paused_until = 0.0

    def _redis(self, address: str) -> Redis:
        with self._lock:
            key = (os.getpid(), address)  # a forked worker needs its own connections
            if self._client is None or self._key != key:
                self._client = Redis.from_url(
                    address,
                    socket_connect_timeout=SEND_TIMEOUT_SECONDS,
                    socket_timeout=SEND_TIMEOUT_SECONDS,
                )
                self._key, self._paused_until = key, 0.0
            return self._client

    def send(self, items: list[tuple[str, dict[str, Any]]]) -> None:
        layer = get_channel_layer()
        if layer is None or not items:
            return
        address, prefix = _layer_target()
        client = self._redis(address)
        if time.monotonic() < self._paused_until:
            return
        try:
            if isinstance(layer, RedisPubSubChannelLayer):
                messages = _encoded(layer, prefix, _batched(items))
                with client.pipeline(transaction=False) as pipe:
                    for channel, data in messages:
                        pipe.publish(channel, data)
                    pipe.execute()
            else:  # another layer: its own group_send
                for group, event in _batched(items):
                    async_to_sync(layer.group_send)(group, event)
        except Exception:  # Redis down or slow: sockets replay from LiveEvent
            self._paused_until = time.monotonic() + self.PAUSE_SECONDS
            logger.warning("realtime: could not publish, live events paused", exc_info=True)


# What the layer's msgpack serializer raises for a value it cannot carry (an integer of 2^64 or
# more, an object that is not plain data).
_UNENCODABLE = (TypeError, ValueError, OverflowError)


def _encoded(layer, prefix: str, messages: list[tuple[str, dict[str, Any]]]) -> list:
    """(Redis channel, bytes) per group message. An event the serializer refuses is logged and
    dropped alone (a batch holding it goes out as its other events, in order): it says nothing
    about Redis, so it must not pause publishing for every shop."""
    out = []
    for group, event in messages:
        channel = f"{prefix}__group__{group}"
        try:
            out.append((channel, layer.serialize(event)))
            continue
        except _UNENCODABLE:
            pass
        for single in event["events"] if event["type"] == BATCH_TYPE else [event]:
            try:
                out.append((channel, layer.serialize(single)))
            except _UNENCODABLE:
                logger.error(
                    "realtime: a %s event for %s cannot be encoded; dropped (sockets replay it "
                    "from LiveEvent)",
                    single.get("type"),
                    group,
                    exc_info=True,
                )
    return out


def _batched(items: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]]:
    """Consecutive events for one group travel as one ``realtime.batch`` message (one channel
    layer round trip); StaffConsumer unpacks it in order."""
    out: list[tuple[str, dict[str, Any]]] = []
    for group, event in items:
        if out and out[-1][0] == group:
            last = out[-1][1]
            if last["type"] != BATCH_TYPE:
                last = {"type": BATCH_TYPE, "events": [last]}
                out[-1] = (group, last)
            last["events"].append(event)
        else:
            out.append((group, event))
    return out


_publisher = _Publisher()
_local = threading.local()


class _Batch:
    def __init__(self) -> None:
        self.items: list[tuple[str, dict[str, Any]]] = []

    def flush(self) -> None:
        items, self.items = self.items, []
        _publisher.send(items)


def publish_now(group: str, event: dict[str, Any]) -> None:
    _publisher.send([(group, event)])


def publish_on_commit(group: str, event: dict[str, Any]) -> None:
    """Send `event` (a dict with a `type`) to `group` once the current transaction commits.

    Outside a transaction it is sent at once. Nothing is sent when the transaction rolls back,
    so a socket never sees state that was not stored. All events of one transaction go out
    together, in order, after the commit.
    """
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        publish_now(group, event)
        return
    batch = getattr(_local, "batch", None)
    # A batch whose flush hook is gone belonged to a transaction that rolled back.
    if batch is None or not any(hook[1] == batch.flush for hook in connection.run_on_commit):
        batch = _Batch()
        _local.batch = batch
        # robust: a Redis outage must not fail the write; clients replay from the database.
        transaction.on_commit(batch.flush, robust=True)
    batch.items.append((group, event))
