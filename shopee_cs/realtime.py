"""The one real-time publish helper. Services call publish_on_commit; consumers only forward.

Group names (dots, per the style guide):
- ``user.<id>``: every socket of one user. Carries ``security.access_revoked`` (close now).
- ``shop.<id>``: events of one shop, joined only for shops the user's agent groups own.
- ``security.allowlist``: every staff socket; ``security.allowlist_changed`` makes each socket
  re-check its client IP against the new allowlist.
"""

import asyncio
import logging
import os
import threading
from typing import Any

from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

ALLOWLIST_GROUP = "security.allowlist"
SEND_TIMEOUT_SECONDS = 5
BATCH_TYPE = "realtime.batch"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def shop_group(shop_id: int) -> str:
    return f"shop.{shop_id}"


class _Publisher:
    """Sends group events from sync code over one long-lived event loop, so the channel layer's
    Redis connections are reused instead of reopened for every event (async_to_sync would
    start a fresh loop, and fresh connections, per call).

    The caller does not wait for Redis: batches go onto one queue drained in order by a single
    task, so events keep their order. Every chat event is also stored as a LiveEvent, so one
    that Redis loses is replayed to the socket on reconnect.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._queue: asyncio.Queue | None = None
        self._pid = 0

    def _ensure_loop(self) -> tuple[asyncio.AbstractEventLoop, asyncio.Queue]:
        with self._lock:
            if self._loop is None or self._queue is None or self._pid != os.getpid():
                loop = asyncio.new_event_loop()  # a forked worker needs its own
                queue: asyncio.Queue = asyncio.Queue()
                threading.Thread(target=loop.run_forever, name="realtime", daemon=True).start()
                asyncio.run_coroutine_threadsafe(self._drain(queue), loop)
                self._loop, self._queue, self._pid = loop, queue, os.getpid()
            return self._loop, self._queue

    @staticmethod
    async def _drain(queue: asyncio.Queue) -> None:
        while True:
            items, done = await queue.get()
            layer = get_channel_layer()
            for group, event in _batched(items):
                try:
                    await asyncio.wait_for(layer.group_send(group, event), SEND_TIMEOUT_SECONDS)
                except Exception:  # Redis down or slow: the socket replays from LiveEvent
                    logger.warning("realtime: could not publish %s to %s", event.get("type"), group)
            if done is not None:
                done.set()

    def send(self, items: list[tuple[str, dict[str, Any]]]) -> None:
        if get_channel_layer() is None or not items:
            return
        loop, queue = self._ensure_loop()
        loop.call_soon_threadsafe(queue.put_nowait, (list(items), None))

    def wait_sent(self, timeout: float = SEND_TIMEOUT_SECONDS) -> bool:
        """Block until everything queued so far has been handed to the channel layer."""
        if self._loop is None or self._queue is None or self._pid != os.getpid():
            return True
        done = threading.Event()
        self._loop.call_soon_threadsafe(self._queue.put_nowait, ([], done))
        return done.wait(timeout)


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


def wait_sent(timeout: float = SEND_TIMEOUT_SECONDS) -> bool:
    """Wait for queued events to reach the channel layer (shutdown, tests)."""
    return _publisher.wait_sent(timeout)


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
