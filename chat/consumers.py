"""Agent websocket. Joins `shop.<id>` only for shops the selector allows, at connect time,
server-side; the console issue extends it (conversation subscriptions, replay)."""

from channels.db import database_sync_to_async

from chat.selectors import shop_ids_for_user
from shopee_cs.realtime import shop_group
from shopee_cs.security.consumers import StaffConsumer


def event_shop_id(event: dict) -> int | None:
    if "shop_id" in event:
        return event["shop_id"]
    for key in ("message", "conversation"):
        if isinstance(event.get(key), dict):
            return event[key].get("shop_id")
    return None


class AgentConsumer(StaffConsumer):
    async def extra_groups(self) -> list[str]:
        self.shop_ids = await database_sync_to_async(shop_ids_for_user)(user=self.user)
        return [shop_group(shop_id) for shop_id in sorted(self.shop_ids)]

    async def forward(self, event: dict) -> None:
        # Defence in depth against a mis-addressed group_send: re-check the shop.
        if event_shop_id(event) in self.shop_ids:
            await self.send_json(event)

    async def chat_message_created(self, event) -> None:
        await self.forward(event)

    async def chat_message_status_changed(self, event) -> None:
        await self.forward(event)

    async def chat_conversation_updated(self, event) -> None:
        await self.forward(event)
