"""Shopee implementation of ``MarketplaceAdapter``: client calls in, neutral DTOs out."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from integrations import errors as e
from integrations import untrusted_json
from integrations.adapters import MarketplaceAdapter
from integrations.shopee import mapping as m
from integrations.shopee import push as push_auth
from integrations.shopee import rules, signing
from integrations.shopee.client import DEFAULT_HOST, RetryPolicy, ShopeeClient
from integrations.types import (
    Capabilities,
    Conversation,
    LostPushBatch,
    Message,
    MessageKind,
    Order,
    OrderStatus,
    OutboundMessage,
    Page,
    PushEvent,
    ReturnReason,
    ReturnRequest,
    ReturnStatus,
    SendPolicy,
    SendResult,
    ShopAuth,
    ShopInfo,
    ShopPerformance,
    TokenPair,
    Tracking,
    TrackingStatus,
    Unreadable,
)

MAX_ORDER_WINDOW = timedelta(days=15)  # get_order_list and get_return_list windows (doc §7)


def _map_each[T](
    mapper: Callable[[dict[str, Any]], T], records: list[Any]
) -> tuple[tuple[T, ...], tuple[Unreadable, ...]]:
    """Map each record on its own: one malformed record is returned as unreadable (to be
    parked), never the reason the rest of its page is lost."""
    mapped: list[T] = []
    unreadable: list[Unreadable] = []
    for record in records:
        try:
            if not isinstance(record, dict):
                raise TypeError(f"expected an object, got {type(record).__name__}")
            mapped.append(mapper(record))
        except Exception as exc:  # mapping is pure: whatever it raises, this record is unreadable
            raw = json.dumps(record, ensure_ascii=False, default=str)
            unreadable.append(Unreadable(raw=raw, error=f"{type(exc).__name__}: {exc}"))
    return tuple(mapped), tuple(unreadable)


class ShopeeAdapter(MarketplaceAdapter):
    platform = "shopee"
    display_name = "Shopee"
    settings_names = (
        "SHOPEE_PARTNER_ID",
        "SHOPEE_PARTNER_KEY",
        "SHOPEE_PUSH_KEY",
        "SHOPEE_PUSH_PREVIOUS_KEY",
        "SHOPEE_HOST",
        "SHOPEE_PUSH_CALLBACK_URL",
        "SHOPEE_HTTP_TIMEOUT",
        "SHOPEE_SEND_TIMEOUT",
    )

    def __init__(
        self,
        *,
        partner_id: int | str,
        partner_key: str,
        host: str = DEFAULT_HOST,
        push_callback_url: str = "",
        push_keys: tuple[str, ...] | list[str] | None = None,
        timeout: float | tuple[float, float] | None = None,
        send_timeout: float | tuple[float, float] | None = None,
        retry: RetryPolicy | None = None,
        client: ShopeeClient | None = None,
    ) -> None:
        self.client = client or ShopeeClient(
            partner_id=partner_id,
            partner_key=partner_key,
            host=host,
            timeout=timeout,
            send_timeout=send_timeout,
            retry=retry,
        )
        self.push_callback_url = push_callback_url
        # Pushes are signed with the partner key unless a separate push key is configured.
        self.push_keys = tuple(push_keys) if push_keys else (partner_key,)

    @classmethod
    def from_settings(cls, *, retries: bool = True) -> ShopeeAdapter:
        from django.conf import settings  # lazy: this module must import without Django

        keys = [
            getattr(settings, "SHOPEE_PUSH_KEY", "") or settings.SHOPEE_PARTNER_KEY,
            getattr(settings, "SHOPEE_PUSH_PREVIOUS_KEY", ""),
        ]
        return cls(
            partner_id=settings.SHOPEE_PARTNER_ID,
            partner_key=settings.SHOPEE_PARTNER_KEY,
            host=getattr(settings, "SHOPEE_HOST", DEFAULT_HOST),
            push_callback_url=getattr(settings, "SHOPEE_PUSH_CALLBACK_URL", ""),
            push_keys=[k for k in keys if k],
            retry=None if retries else RetryPolicy(max_attempts=1),
            timeout=getattr(settings, "SHOPEE_HTTP_TIMEOUT", None),
            send_timeout=getattr(settings, "SHOPEE_SEND_TIMEOUT", None),
        )

    @classmethod
    def connect_configured(cls) -> str:
        from django.conf import settings

        if settings.SHOPEE_PARTNER_ID and settings.SHOPEE_PARTNER_KEY:
            return ""
        return "SHOPEE_PARTNER_ID and SHOPEE_PARTNER_KEY are not configured."

    @classmethod
    def connect_redirect_url(cls) -> str:
        from django.conf import settings

        return getattr(settings, "SHOPEE_REDIRECT_URL", "")

    @classmethod
    def media_sources(cls) -> tuple[str, ...]:
        from django.conf import settings

        host = getattr(settings, "SHOPEE_HOST", DEFAULT_HOST)
        return (host,) if host.startswith("http://") else ()  # the simulator's own images

    # -- rules and codes ---------------------------------------------------------------------

    @classmethod
    def send_policy(cls) -> SendPolicy:
        return rules.SEND_POLICY

    @classmethod
    def order_status(cls, raw: str) -> OrderStatus:
        return rules.order_status(raw)

    @classmethod
    def tracking_status(cls, raw: str) -> TrackingStatus:
        return rules.tracking_status(raw)

    @classmethod
    def return_status(cls, raw: str) -> ReturnStatus:
        return rules.return_status(raw)

    @classmethod
    def return_reason(cls, raw: str) -> ReturnReason:
        return rules.return_reason(raw)

    # -- OAuth -------------------------------------------------------------------------------

    def auth_url(self, *, redirect_url: str) -> str:
        c = self.client
        return signing.auth_url(c.host, c.partner_id, c.partner_key, redirect_url)

    def exchange_code(
        self, *, code: str, shop_id: str | None = None, main_account_id: str | None = None
    ) -> TokenPair:
        data = self.client.get_access_token(
            code=code, shop_id=shop_id, main_account_id=main_account_id
        )
        return m.token_pair_from_shopee(data, shop_id=shop_id)

    def refresh_tokens(
        self, *, refresh_token: str, shop_id: str | None = None, merchant_id: str | None = None
    ) -> TokenPair:
        data = self.client.refresh_access_token(
            refresh_token=refresh_token, shop_id=shop_id, merchant_id=merchant_id
        )
        return m.token_pair_from_shopee(data, shop_id=shop_id, merchant_id=merchant_id)

    # -- chat --------------------------------------------------------------------------------

    def _kw(self, auth: ShopAuth) -> dict[str, str]:
        return {"shop_id": auth.shop_id, "access_token": auth.access_token}

    def list_conversations(
        self, auth: ShopAuth, *, cursor: str | None = None, page_size: int = 25
    ) -> Page[Conversation]:
        # cursor = next_message_time_nano from the previous page; pages walk towards older chats.
        data = self.client.get_conversation_list(
            **self._kw(auth),
            direction="older" if cursor else "latest",
            type="all",
            next_timestamp_nano=cursor,
            page_size=page_size,
        )
        convs, unreadable = _map_each(
            lambda c: m.conversation_from_shopee(c, shop_id=auth.shop_id),
            data.get("conversations") or [],
        )
        page = data.get("page_result") or {}
        nxt = (page.get("next_cursor") or {}).get("next_message_time_nano")
        more = bool(page.get("more"))
        return Page(
            items=convs,
            next_cursor=m.sid(nxt) or None if more else None,
            has_more=more,
            unreadable=unreadable,
        )

    def get_conversation(self, auth: ShopAuth, *, conversation_id: str) -> Conversation:
        data = self.client.get_one_conversation(**self._kw(auth), conversation_id=conversation_id)
        return m.conversation_from_shopee(data, shop_id=auth.shop_id)

    def get_messages(
        self,
        auth: ShopAuth,
        *,
        conversation_id: str,
        cursor: str | None = None,
        page_size: int = 25,
    ) -> Page[Message]:
        data = self.client.get_message(
            **self._kw(auth), conversation_id=conversation_id, offset=cursor, page_size=page_size
        )
        msgs, unreadable = _map_each(
            lambda x: m.message_from_shopee(x, shop_id=auth.shop_id), data.get("messages") or []
        )
        nxt = m.sid((data.get("page_result") or {}).get("next_offset"))
        more = bool(nxt) and nxt != "0"  # "0" marks the end
        return Page(
            items=msgs, next_cursor=nxt if more else None, has_more=more, unreadable=unreadable
        )

    def send_message(self, auth: ShopAuth, message: OutboundMessage) -> SendResult:
        if message.auto_reply:
            if message.kind is not MessageKind.TEXT:
                raise ValueError("auto-replies are text only")
            data = self.client.send_autoreply_message(
                **self._kw(auth), to_id=message.buyer_id, text=message.text
            )
        else:
            data = self.client.send_message(
                **self._kw(auth),
                to_id=message.buyer_id,
                message_type=m.message_type_for(message.kind),
                content=_content(message),
                conversation_id=message.conversation_id or None,
                source_content=(
                    {"order_sn": message.context_order_ref} if message.context_order_ref else None
                ),
            )
        try:
            if not data.get("message_id"):
                raise ValueError("no message id")
            return SendResult(
                platform_message_id=m.sid(data["message_id"]),
                conversation_id=m.sid(data.get("conversation_id")) or message.conversation_id,
                sent_at=m.from_seconds(data.get("created_timestamp")) or _now(),
            )
        except (ValueError, TypeError, ArithmeticError) as exc:
            # Accepted, but the answer cannot be read: the message may be at the buyer already.
            # Reading the conversation back decides; sending again could deliver it twice.
            raise e.NetworkError(
                f"send accepted, but its answer cannot be read: {exc}",
                outcome_unknown=True,
                code="unreadable_answer",
            ) from exc

    def mark_read(self, auth: ShopAuth, *, conversation_id: str, last_message_id: str) -> None:
        self.client.read_conversation(
            **self._kw(auth), conversation_id=conversation_id, last_read_message_id=last_message_id
        )

    def unread_conversation_count(self, auth: ShopAuth) -> int:
        data = self.client.get_unread_conversation_count(**self._kw(auth))
        return int(data.get("total_unread_count") or 0)

    # -- orders, logistics, returns, products ------------------------------------------------

    def list_orders(
        self,
        auth: ShopAuth,
        *,
        updated_from: datetime,
        updated_to: datetime,
        cursor: str | None = None,
        page_size: int = 50,
    ) -> Page[str]:
        if updated_to - updated_from > MAX_ORDER_WINDOW:
            raise ValueError("Shopee order windows are at most 15 days; split the range")
        data = self.client.get_order_list(
            **self._kw(auth),
            time_from=int(updated_from.timestamp()),
            time_to=int(updated_to.timestamp()),
            page_size=page_size,
            cursor=cursor or "",
        )
        refs = tuple(str(o["order_sn"]) for o in data.get("order_list") or [])
        more = bool(data.get("more"))
        return Page(items=refs, next_cursor=data.get("next_cursor") or None, has_more=more)

    def get_orders(self, auth: ShopAuth, *, order_refs: list[str]) -> list[Order]:
        out: list[Order] = []
        for i in range(0, len(order_refs), 50):  # order_sn_list takes at most 50
            data = self.client.get_order_detail(
                **self._kw(auth), order_sn_list=order_refs[i : i + 50]
            )
            out += [
                m.order_from_shopee(o, shop_id=auth.shop_id) for o in data.get("order_list") or []
            ]
        return out

    def get_tracking(self, auth: ShopAuth, *, order_ref: str) -> Tracking:
        number = self.client.get_tracking_number(**self._kw(auth), order_sn=order_ref)
        info = self.client.get_tracking_info(**self._kw(auth), order_sn=order_ref)
        return m.tracking_from_shopee(order_ref, number, info)

    def get_returns(
        self,
        auth: ShopAuth,
        *,
        updated_from: datetime | None = None,
        updated_to: datetime | None = None,
        cursor: str | None = None,
        page_size: int = 40,
    ) -> Page[ReturnRequest]:
        page_no = int(cursor or 0)  # returns pages start at 0 (doc pitfall 9)
        data = self.client.get_return_list(
            **self._kw(auth),
            page_no=page_no,
            page_size=page_size,
            update_time_from=int(updated_from.timestamp()) if updated_from else None,
            update_time_to=int(updated_to.timestamp()) if updated_to else None,
        )
        items = tuple(
            m.return_from_shopee(r, shop_id=auth.shop_id) for r in data.get("return") or []
        )
        more = bool(data.get("more"))
        return Page(items=items, next_cursor=str(page_no + 1) if more else None, has_more=more)

    def get_return(self, auth: ShopAuth, *, return_ref: str) -> ReturnRequest:
        data = self.client.get_return_detail(**self._kw(auth), return_sn=return_ref)
        return m.return_from_shopee(data, shop_id=auth.shop_id)

    def get_shop_info(self, auth: ShopAuth) -> ShopInfo:
        data = self.client.get_shop_info(**self._kw(auth))
        return m.shop_info_from_shopee(data, shop_id=auth.shop_id)

    def get_shop_performance(self, auth: ShopAuth) -> ShopPerformance:
        data = self.client.get_shop_performance(**self._kw(auth))
        return m.shop_performance_from_shopee(data, shop_id=auth.shop_id, now=datetime.now(UTC))

    # -- push --------------------------------------------------------------------------------

    def verify_push(self, headers: Mapping[str, str], raw_body: bytes) -> bool:
        header = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
        return push_auth.verify_push(self.push_callback_url, self.push_keys, raw_body, header)

    def parse_push(self, raw_body: bytes) -> list[PushEvent]:
        body = untrusted_json.loads(raw_body)
        if not isinstance(body, dict):
            raise ValueError("push body is not a JSON object")
        return [m.push_event_from_shopee(body)]

    def fetch_lost_pushes(self) -> LostPushBatch:
        data = self.client.get_lost_push_message()
        events, unreadable = _map_each(
            m.push_event_from_shopee, data.get("push_message_list") or []
        )
        last = m.sid(data.get("last_message_id"))
        return LostPushBatch(
            events=events,
            ack_cursor=last or None,
            has_more=bool(data.get("has_next_page")),
            unreadable=unreadable,
        )

    def confirm_lost_pushes(self, *, ack_cursor: str) -> None:
        self.client.confirm_consumed_lost_push_message(last_message_id=ack_cursor)

    def probe_capabilities(self, auth: ShopAuth) -> Capabilities:
        """Cheap read calls that tell which modules this app/shop may use (chat is whitelisted)."""
        notes: list[str] = []

        def ok(fn) -> bool:
            try:
                fn()
                return True
            except (e.PermissionDenied, e.NotFound) as exc:
                notes.append(f"{exc.code}: {exc.message}")
                return False

        info = self.get_shop_info(auth)
        chat = ok(lambda: self.unread_conversation_count(auth))
        now = _now()
        orders = ok(
            lambda: self.list_orders(
                auth, updated_from=now - timedelta(days=1), updated_to=now, page_size=1
            )
        )
        returns = ok(lambda: self.get_returns(auth, page_size=1))
        push = ok(lambda: self.client.get_lost_push_message())
        offered = info.region not in rules.SEND_POLICY.refused_sites  # TW (doc §5.4)
        send = chat and offered
        if chat and not send:
            notes.append("region TW: chat sending is not available through the API")
        return Capabilities(
            chat=chat,
            chat_send=send,
            orders=orders,
            returns=returns,
            push=push,
            notes=tuple(notes),
            chat_send_offered=offered,
        )


def _content(message: OutboundMessage) -> dict[str, Any]:
    k = message.kind
    if k is MessageKind.TEXT:
        return {"text": message.text}
    if k is MessageKind.IMAGE:
        return {"image_url": message.image_url}
    if k is MessageKind.ITEM:
        return {"item_id": int(message.item_id)}
    if k is MessageKind.ORDER:
        return {"order_sn": message.order_ref}
    if k is MessageKind.STICKER:
        return {"sticker_id": message.sticker_id, "sticker_package_id": message.sticker_package_id}
    raise ValueError(f"cannot send {k} on Shopee")


def _now() -> datetime:
    return datetime.now(UTC)
