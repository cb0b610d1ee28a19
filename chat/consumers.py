"""Agent websocket (`/ws/agent/`). Forwards events; never writes (writes go through the REST API).

- Joins `shop.<id>` for the shops the selector allows, computed server-side at connect time.
  Every chat event goes to its shop's group (the page picks what concerns the open
  conversation), so there is no per-conversation group and nothing a client sends is read.
- Resume: `/ws/agent/?last_event_id=N` replays the stored LiveEvent rows after N in the agent's
  shops before any live event is forwarded, so a dropped Redis message or a network blip loses
  nothing (channels dispatches one message at a time, so live events wait until the replay is
  done, and any that were also replayed are skipped).
- Then it sends the first-response countdown snapshot and counts the agent as online.
"""

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.conf import settings
from django.utils import timezone

from chat.events import (
    FirstResponseCountdownEvent,
    ResyncRequiredEvent,
    countdown_entry,
)
from chat.selectors import (
    awaiting_reply_for_user,
    live_event_last_id,
    live_event_list_for_user,
    live_events_missing_after,
    shop_ids_for_user,
)
from chat.services.inbox.presence import agent_presence_change
from shopee_cs.realtime import shop_group
from shopee_cs.security.consumers import StaffConsumer

REPLAY_LIMIT = 500
# Event families that are only forwarded (tickets, automation and alerts publish theirs through
# chat's helper).
FORWARDED = ("chat.", "tickets.", "automation.", "alerts.")


def event_shop_id(event: dict) -> int | None:
    if "shop_id" in event:
        return event["shop_id"]
    for key in ("message", "conversation"):
        if isinstance(event.get(key), dict):
            return event[key].get("shop_id")
    return None


def _last_event_id(scope) -> int | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin1")).get("last_event_id")
    if not values:
        return None
    try:
        return max(int(values[0]), 0)
    except ValueError:
        return None


class AgentConsumer(StaffConsumer):
    async def extra_groups(self) -> list[str]:
        self.shop_ids = await database_sync_to_async(shop_ids_for_user)(user=self.user)
        return [shop_group(shop_id) for shop_id in sorted(self.shop_ids)]

    async def connect(self) -> None:
        self.replayed: set[int] = set()
        await super().connect()
        if not hasattr(self, "joined"):
            return  # refused by StaffConsumer
        after = _last_event_id(self.scope)
        if after is not None:
            await self.replay(after)
        await self.send_countdown()
        await database_sync_to_async(agent_presence_change)(
            user=self.user, shop_ids=self.shop_ids, delta=1
        )
        self.counted_online = True

    async def disconnect(self, code) -> None:
        if getattr(self, "counted_online", False):
            self.counted_online = False
            await database_sync_to_async(agent_presence_change)(
                user=self.user, shop_ids=self.shop_ids, delta=-1
            )
        await super().disconnect(code)

    async def replay(self, after: int) -> None:
        events = await database_sync_to_async(live_event_list_for_user)(
            user=self.user, after_id=after, limit=REPLAY_LIMIT + 1
        )
        purged = await database_sync_to_async(live_events_missing_after)(after_id=after)
        if len(events) > REPLAY_LIMIT or purged:
            last = await database_sync_to_async(live_event_last_id)()
            self.replayed = set()
            await self.send_json(
                ResyncRequiredEvent(type="chat.resync_required", last_event_id=last)
            )
            return
        for record in events:
            if record.shop_id in self.shop_ids:
                self.replayed.add(record.pk)
                await self.send_json({**record.payload, "event_id": record.pk})

    async def send_countdown(self) -> None:
        rows = await database_sync_to_async(awaiting_reply_for_user)(user=self.user)
        await self.send_json(
            FirstResponseCountdownEvent(
                type="chat.first_response_countdown",
                server_time=timezone.now().isoformat(),
                target_seconds=settings.FIRST_RESPONSE_TARGET_SECONDS,
                conversations=[countdown_entry(c) for c in rows if c.shop_id in self.shop_ids],
            )
        )

    async def receive(self, text_data=None, bytes_data=None, **kwargs) -> None:
        """Nothing a client sends is read, not even parsed: writes go through REST."""

    async def dispatch(self, message: dict) -> None:
        # Chat events are only forwarded: skip the database-connection cleanup (a thread hop)
        # that Channels runs before every handler, so a busy inbox is not throttled by it.
        if message.get("type", "").startswith(FORWARDED) and "event_id" in message:
            await self.forward(message)
            return
        await super().dispatch(message)

    async def forward(self, event: dict) -> None:
        # Defence in depth against a mis-addressed group_send: re-check the shop.
        if event_shop_id(event) not in self.shop_ids:
            return
        if event.get("event_id") in self.replayed:
            return  # already sent by the replay
        await self.send_json(event)

    async def chat_message_created(self, event) -> None:
        await self.forward(event)

    async def chat_message_status_changed(self, event) -> None:
        await self.forward(event)

    async def chat_conversation_updated(self, event) -> None:
        await self.forward(event)

    async def chat_agent_presence(self, event) -> None:
        await self.forward(event)

    async def automation_agent_status(self, event) -> None:
        await self.forward(event)

    async def tickets_ticket_updated(self, event) -> None:
        await self.forward(event)

    async def alerts_alert_raised(self, event) -> None:
        await self.forward(event)
