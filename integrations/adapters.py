"""The marketplace adapter interface and its lazy registry.

Each marketplace package (``integrations/<vendor>/``) implements
``MarketplaceAdapter`` and maps its vendor payloads to ``integrations.types``. Callers above the
integrations layer only ever see these methods, the DTOs and ``integrations.errors``.
"""

from __future__ import annotations

import abc
import importlib
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from integrations.types import (
    Capabilities,
    Conversation,
    LostPushBatch,
    Message,
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
)


class MarketplaceAdapter(abc.ABC):
    platform: str = ""  # the registry's key, and the push route's segment: /webhooks/<platform>/
    display_name: str = ""
    # Names of the shop credentials beyond the token pair this marketplace needs (a shop
    # cipher, a regional endpoint); stored encrypted on the shop, handed over in ShopAuth.
    credential_names: tuple[str, ...] = ()
    # The Django settings from_settings reads: get_adapter reuses an adapter built from the same
    # values (adapters hold configuration only). Empty: a new adapter at every call.
    settings_names: tuple[str, ...] = ()

    @classmethod
    @abc.abstractmethod
    def from_settings(cls, *, retries: bool = True) -> MarketplaceAdapter:
        """The adapter configured from Django settings (read lazily, at call time)."""

    @classmethod
    @abc.abstractmethod
    def connect_configured(cls) -> str:
        """ "" when the app's credentials for this marketplace are configured, else what is
        missing (shown to the admin who tries to connect a shop)."""

    @classmethod
    def connect_redirect_url(cls) -> str:
        """The callback address registered with the marketplace; "" to use this site's own."""
        return ""

    @classmethod
    def media_sources(cls) -> tuple[str, ...]:
        """Origins beyond https: the console must load buyers' images from (a simulator)."""
        return ()

    # Rules and codes, as data (no call, no settings)
    @classmethod
    @abc.abstractmethod
    def send_policy(cls) -> SendPolicy: ...

    @classmethod
    @abc.abstractmethod
    def order_status(cls, raw: str) -> OrderStatus:
        """The neutral value of the marketplace's order status; UNKNOWN for one it never named."""

    @classmethod
    @abc.abstractmethod
    def tracking_status(cls, raw: str) -> TrackingStatus: ...

    @classmethod
    @abc.abstractmethod
    def return_status(cls, raw: str) -> ReturnStatus: ...

    @classmethod
    @abc.abstractmethod
    def return_reason(cls, raw: str) -> ReturnReason: ...

    # OAuth
    @abc.abstractmethod
    def auth_url(self, *, redirect_url: str) -> str: ...

    @abc.abstractmethod
    def exchange_code(
        self, *, code: str, shop_id: str | None = None, main_account_id: str | None = None
    ) -> TokenPair: ...

    @abc.abstractmethod
    def refresh_tokens(
        self, *, refresh_token: str, shop_id: str | None = None, merchant_id: str | None = None
    ) -> TokenPair: ...

    # Chat
    @abc.abstractmethod
    def list_conversations(
        self, auth: ShopAuth, *, cursor: str | None = None, page_size: int = 25
    ) -> Page[Conversation]: ...

    @abc.abstractmethod
    def get_conversation(self, auth: ShopAuth, *, conversation_id: str) -> Conversation: ...

    @abc.abstractmethod
    def get_messages(
        self,
        auth: ShopAuth,
        *,
        conversation_id: str,
        cursor: str | None = None,
        page_size: int = 25,
    ) -> Page[Message]: ...

    @abc.abstractmethod
    def send_message(self, auth: ShopAuth, message: OutboundMessage) -> SendResult: ...

    @abc.abstractmethod
    def mark_read(self, auth: ShopAuth, *, conversation_id: str, last_message_id: str) -> None: ...

    @abc.abstractmethod
    def unread_conversation_count(self, auth: ShopAuth) -> int: ...

    # Orders and after-sales
    @abc.abstractmethod
    def list_orders(
        self,
        auth: ShopAuth,
        *,
        updated_from: datetime,
        updated_to: datetime,
        cursor: str | None = None,
        page_size: int = 50,
    ) -> Page[str]: ...

    @abc.abstractmethod
    def get_orders(self, auth: ShopAuth, *, order_refs: list[str]) -> list[Order]: ...

    def get_order(self, auth: ShopAuth, *, order_ref: str) -> Order | None:
        orders = self.get_orders(auth, order_refs=[order_ref])
        return orders[0] if orders else None

    @abc.abstractmethod
    def get_tracking(self, auth: ShopAuth, *, order_ref: str) -> Tracking: ...

    @abc.abstractmethod
    def get_returns(
        self,
        auth: ShopAuth,
        *,
        updated_from: datetime | None = None,
        updated_to: datetime | None = None,
        cursor: str | None = None,
        page_size: int = 40,
    ) -> Page[ReturnRequest]: ...

    @abc.abstractmethod
    def get_return(self, auth: ShopAuth, *, return_ref: str) -> ReturnRequest: ...

    @abc.abstractmethod
    def get_shop_info(self, auth: ShopAuth) -> ShopInfo: ...

    def get_shop_performance(self, auth: ShopAuth) -> ShopPerformance:
        """The marketplace's own chat response rate and response time for the shop."""
        raise NotImplementedError(f"{type(self).__name__} does not report shop performance")

    # Push
    @abc.abstractmethod
    def verify_push(self, headers: Mapping[str, str], raw_body: bytes) -> bool: ...

    @abc.abstractmethod
    def parse_push(self, raw_body: bytes) -> list[PushEvent]: ...

    @abc.abstractmethod
    def fetch_lost_pushes(self) -> LostPushBatch: ...

    @abc.abstractmethod
    def confirm_lost_pushes(self, *, ack_cursor: str) -> None: ...

    @abc.abstractmethod
    def probe_capabilities(self, auth: ShopAuth) -> Capabilities: ...


# platform -> "module:Class"; imported on first use so that loading the registry costs nothing.
ADAPTERS: dict[str, str] = {
    "shopee": "integrations.shopee.adapter:ShopeeAdapter",
}


def platforms() -> tuple[str, ...]:
    """The platforms with a registered adapter."""
    return tuple(ADAPTERS)


def adapter_class(platform: str) -> type[MarketplaceAdapter]:
    try:
        target = ADAPTERS[platform]
    except KeyError:
        raise LookupError(f"no adapter for platform {platform!r}") from None
    module_name, _, attr = target.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def get_adapter(platform: str, *, retries: bool = True, **config: Any) -> MarketplaceAdapter:
    """Build the adapter for ``platform``. With no ``config`` it reads Django settings (lazily).

    ``retries=False`` turns off the client's own retries, for callers (the outbox) that run
    their own retry schedule and must know about every attempt.
    """
    cls = adapter_class(platform)
    if config:
        return cls(**config)
    if not cls.settings_names:
        return cls.from_settings(retries=retries)
    from django.conf import settings  # lazy: this module must import without Django

    values = tuple(_hashable(getattr(settings, name, None)) for name in cls.settings_names)
    return _adapter_from_settings(cls, retries, values)


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


@lru_cache(maxsize=32)
def _adapter_from_settings(
    cls: type[MarketplaceAdapter], retries: bool, values: tuple
) -> MarketplaceAdapter:
    """One adapter per class, retry mode and settings `values` (the cache key): building one
    per call cost about a tenth of a push's answer."""
    return cls.from_settings(retries=retries)
