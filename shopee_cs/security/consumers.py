"""Base class for every staff websocket consumer.

It re-checks what StaffSocketGuard established, joins `user.<id>` and `security.allowlist`, and
closes the socket on `security.access_revoked` (4401) or when an allowlist change excludes the
client (4403). Subclasses add their groups in `extra_groups()`, computed server-side from
selectors, never from client messages.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from shopee_cs.realtime import ALLOWLIST_GROUP, BATCH_TYPE, user_group
from shopee_cs.security.allowlist import ip_allowed_for_user
from shopee_cs.security.ip import client_ip

REVOKED = 4401
REFUSED = 4403


class StaffConsumer(AsyncJsonWebsocketConsumer):
    async def dispatch(self, message: dict) -> None:
        # Several events of one transaction arrive as one layer message; handle each in order.
        if message.get("type") == BATCH_TYPE:
            for event in message["events"]:
                await self.dispatch(event)
            return
        await super().dispatch(message)

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not (self.scope.get("staff_verified") and user and user.is_authenticated):
            await self.close(code=REFUSED)
            return
        self.user = user
        self.client_ip = client_ip(self.scope)
        self.joined: list[str] = [user_group(user.pk), ALLOWLIST_GROUP]
        self.joined += await self.extra_groups()
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def extra_groups(self) -> list[str]:
        """Override: further groups to join (e.g. `shop.<id>` from a selector)."""
        return []

    async def disconnect(self, code) -> None:
        for group in getattr(self, "joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def security_access_revoked(self, event) -> None:
        await self.close(code=REVOKED)

    async def security_allowlist_changed(self, event) -> None:
        self.user._allowlist_role_ids = None  # roles may have changed too: reload them
        allowed = await database_sync_to_async(ip_allowed_for_user)(self.client_ip, user=self.user)
        if not allowed:
            await self.close(code=REFUSED)


class PingConsumer(StaffConsumer):
    """`/ws/ping/`: {"type": "ping"} -> {"type": "pong"}. For health checks and tests."""

    async def receive_json(self, content, **kwargs) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong", "user_id": self.user.pk})
