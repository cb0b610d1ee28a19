"""Agent presence: online while at least one console socket is open.

Presence is ephemeral (not a LiveEvent: replaying "online" an hour later would be wrong), so it
is counted in the cache and published at once to the shops the agent works on.
"""

from django.core.cache import cache

from chat.events import AgentPresenceEvent
from shopee_cs.realtime import publish_now, shop_group

TTL_SECONDS = 12 * 3600  # a crashed server leaves no agent "online" for longer than a session


def _key(user_id: int) -> str:
    return f"chat:presence:{user_id}"


def agent_presence_change(*, user, shop_ids: set[int], delta: int) -> bool:
    """Count one socket in (+1) or out (-1); publish when the agent goes online or offline."""
    key = _key(user.pk)
    cache.add(key, 0, TTL_SECONDS)
    count = cache.incr(key, delta)
    if count < 0:
        cache.set(key, 0, TTL_SECONDS)
        count = 0
    cache.touch(key, TTL_SECONDS)
    changed = (delta > 0 and count == 1) or (delta < 0 and count == 0)
    if changed:
        event = AgentPresenceEvent(
            type="chat.agent_presence",
            user_id=user.pk,
            name=user.get_full_name() or user.get_username(),
            online=count > 0,
            shop_ids=sorted(shop_ids),
        )
        for shop_id in sorted(shop_ids):
            publish_now(shop_group(shop_id), {**event, "shop_id": shop_id})
    return changed


def agent_online(*, user_id: int) -> bool:
    return (cache.get(_key(user_id)) or 0) > 0
