"""The one real-time publish helper. Services call publish_on_commit; consumers only forward.

Group names (dots, per the style guide):
- ``user.<id>``: every socket of one user. Carries ``security.access_revoked`` (close now).
- ``shop.<id>``: events of one shop, joined only for shops the user's agent groups own.
- ``security.allowlist``: every staff socket; ``security.allowlist_changed`` makes each socket
  re-check its client IP against the new allowlist.
"""

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

ALLOWLIST_GROUP = "security.allowlist"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def shop_group(shop_id: int) -> str:
    return f"shop.{shop_id}"


def publish_now(group: str, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, event)


def publish_on_commit(group: str, event: dict[str, Any]) -> None:
    """Send `event` (a dict with a `type`) to `group` once the current transaction commits.

    Outside a transaction the callback runs at once. Nothing is sent when the transaction rolls
    back, so a socket never sees state that was not stored.
    """
    # robust: a Redis outage must not undo or fail the write; clients replay from the DB.
    transaction.on_commit(lambda: publish_now(group, event), robust=True)
