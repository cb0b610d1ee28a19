"""A second marketplace for tests: rules unlike Shopee's, a shop credential, a lost-push queue,
and no network at all (it stands where a marketplace's API would)."""

from __future__ import annotations

import json
from datetime import timedelta

from integrations.adapters import MarketplaceAdapter
from integrations.types import (
    BuyerActivity,
    BuyerWindow,
    ChatMessagePush,
    LostPushBatch,
    MessageKind,
    OrderStatus,
    PushEvent,
    PushKind,
    ReturnReason,
    ReturnStatus,
    SendPolicy,
    ShopAuth,
    TrackingStatus,
)

PLATFORM = "testmarket"

POLICY = SendPolicy(
    marketplace="Testmarket",
    max_text_length=20,
    max_unanswered=2,
    buyer_windows=(BuyerWindow(BuyerActivity.CHATTED, timedelta(days=2)),),
    duplicate_window=None,
    refused_sites=frozenset({"SG"}),
    reply_elsewhere="the Testmarket seller app",
    kinds=frozenset({MessageKind.TEXT}),
)


class FakeMarketAdapter(MarketplaceAdapter):
    platform = PLATFORM
    display_name = "Testmarket"
    credential_names = ("shop_cipher",)
    lost: list[PushEvent] = []  # what fetch_lost_pushes hands out, then forgets
    auths: list[ShopAuth] = []  # every shop auth a call was made with

    @classmethod
    def from_settings(cls, *, retries: bool = True) -> FakeMarketAdapter:
        return cls()

    @classmethod
    def connect_configured(cls) -> str:
        return ""

    @classmethod
    def send_policy(cls) -> SendPolicy:
        return POLICY

    @classmethod
    def order_status(cls, raw: str) -> OrderStatus:
        return {"paid": OrderStatus.TO_SHIP}.get(raw, OrderStatus.UNKNOWN)

    @classmethod
    def tracking_status(cls, raw: str) -> TrackingStatus:
        return TrackingStatus.UNKNOWN

    @classmethod
    def return_status(cls, raw: str) -> ReturnStatus:
        return {"open": ReturnStatus.REQUESTED}.get(raw, ReturnStatus.UNKNOWN)

    @classmethod
    def return_reason(cls, raw: str) -> ReturnReason:
        return ReturnReason.UNKNOWN

    def auth_url(self, *, redirect_url: str) -> str:
        return f"https://testmarket.invalid/authorize?redirect={redirect_url}"

    def verify_push(self, headers, raw_body: bytes) -> bool:
        return True

    def parse_push(self, raw_body: bytes) -> list[PushEvent]:
        body = json.loads(raw_body)
        return [
            PushEvent(
                kind=PushKind.CHAT_MESSAGE,
                shop_id=body["shop"],
                dedup_key=f"{PLATFORM}:{body['id']}",
                occurred_at=None,
                payload=ChatMessagePush(conversation_id=body["conversation"]),
            )
        ]

    def fetch_lost_pushes(self) -> LostPushBatch:
        events, FakeMarketAdapter.lost[:] = tuple(self.lost), []
        return LostPushBatch(events=events, ack_cursor="1" if events else None)

    def confirm_lost_pushes(self, *, ack_cursor: str) -> None:
        pass

    def get_shop_info(self, auth: ShopAuth):
        self.auths.append(auth)
        raise NotImplementedError

    def _unused(self, *args, **kwargs):
        raise NotImplementedError("not a call these tests make")

    exchange_code = refresh_tokens = list_conversations = get_conversation = _unused
    get_messages = send_message = mark_read = unread_conversation_count = _unused
    list_orders = get_orders = get_tracking = get_returns = get_return = _unused
    probe_capabilities = _unused
