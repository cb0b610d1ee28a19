"""The one real-time publish helper. Services call publish_on_commit; consumers only forward.

Group names (dots, per the style guide):
- ``user.<id>``: every socket of one user. Carries ``security.access_revoked`` (close now).
- ``shop.<id>``: events of one shop, joined only for shops the user's agent groups own.
- ``security.allowlist``: every staff socket; ``security.allowlist_changed`` makes each socket
  re-check its client IP against the new allowlist.
"""

import asyncio
import os
import threading
from typing import Any

from channels.layers import get_channel_layer
from django.db import transaction

ALLOWLIST_GROUP = "security.allowlist"
SEND_TIMEOUT_SECONDS = 5


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def shop_group(shop_id: int) -> str:
    return f"shop.{shop_id}"


class _Publisher:
    """Sends group events from sync code over one long-lived event loop, so the channel layer's
    Redis connections are reused instead of reopened for every event (async_to_sync would
    start a fresh loop, and fresh connections, per call)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid():  # a forked worker needs its own
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="realtime", daemon=True).start()
                self._loop, self._pid = loop, os.getpid()
            return self._loop

    def send(self, items: list[tuple[str, dict[str, Any]]]) -> None:
        layer = get_channel_layer()
        if layer is None or not items:
            return

        async def send_all() -> None:
            for group, event in items:
                await layer.group_send(group, event)

        future = asyncio.run_coroutine_threadsafe(send_all(), self._ensure_loop())
        future.result(timeout=SEND_TIMEOUT_SECONDS)


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
