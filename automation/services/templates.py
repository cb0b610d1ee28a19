"""Rendering reply templates for one conversation, and the values of their variables.

INTERFACE (stable): `Rendered`, `template_render`, `template_context_fetch`.

The context is plain JSON (strings, ISO 8601 UTC times, a list of errors), so it may travel in a
task's arguments; it is written in the variant's language only when rendered.
"""

from datetime import datetime
from typing import NamedTuple

from django.db.models import F

from automation.models import ReplyTemplate
from automation.services.template_variables import (
    MISSING,
    VARIABLE,
    VARIABLES,
    cut,
    date_text,
    money_text,
    site_template_language,
    status_words,
    template_language,
)
from chat.models import BuyerOrder, Conversation, Message
from chat.services.pipeline.orders import FetchedOrder, order_store
from integrations import types
from integrations.adapters import get_adapter
from integrations.errors import AdapterError, NotFound
from integrations.models import BusinessCalendar
from integrations.services.tokens import ShopNotConnected, shop_api_call

MAX_ORDERS_ASKED = 50  # one order-detail call answers up to 50 orders


class _TextAndLanguage(NamedTuple):
    text: str
    language: str  # the variant's language (TemplateLanguage value)


class Rendered(_TextAndLanguage):
    """(text, language), unpacked as two, plus `missing`: the variables with no known value
    (written as a dash). An auto-reply must not go out with them, e.g. a tracking answer
    before the parcel has a number. `missing` is an attribute, not a third item, so
    `text, language = template_render(...)` keeps working."""

    missing: tuple[str, ...] = ()  # what _make/_replace copies get (they skip __new__)

    def __new__(cls, text: str, language: str, missing: tuple[str, ...] = ()):
        rendered = super().__new__(cls, text, language)
        rendered.missing = tuple(missing)
        return rendered

    def __repr__(self) -> str:
        return f"Rendered(text={self.text!r}, language={self.language!r}, missing={self.missing!r})"


def variant_pick(
    template: ReplyTemplate, *, site: str, buyer_language: str = ""
) -> tuple[str, str] | None:
    """(language, text) by the fallback chain: the buyer's language, the site's, the
    template's default, then the first variant there is. None: the template has no variant."""
    variants = {v.language: v.text for v in template.variants.all()}
    chain = (
        template_language(buyer_language, site=site),
        site_template_language(site),
        template.default_language,
    )
    for language in chain:
        if language and language in variants:
            return language, variants[language]
    return next(iter(sorted(variants.items())), None)


def _shop_zone(conversation: Conversation) -> str:
    zone = (
        BusinessCalendar.objects.filter(shop_id=conversation.shop_id)
        .values_list("time_zone", flat=True)
        .first()
    )
    return zone or conversation.shop.time_zone


def _value(name: str, context: dict, *, language: str, zone: str) -> str:
    raw = context.get(name) or ""
    if not raw:
        return ""
    if name == "order_status":
        return status_words(raw, language)
    if name in ("ship_by_date", "eta"):
        return date_text(datetime.fromisoformat(raw), zone=zone, language=language)
    if name == "order_total":
        return money_text(raw, context.get("order_currency", ""))
    return str(raw)


def template_render(
    *,
    template: ReplyTemplate,
    conversation: Conversation,
    buyer_language: str = "",
    context: dict | None = None,
) -> Rendered:
    """The template's text for this conversation: the variant in the buyer's language (ISO
    639-1 as detected: zh is zh-Hant on the TW site, else zh-Hans; pt is pt-BR), else the
    site's language, else the template's default; variables filled from `context` (from
    template_context_fetch; without one, only the buyer's and shop's names are known). A value
    nobody knows is written as a dash and named in `missing`."""
    site = conversation.shop.site
    picked = variant_pick(template, site=site, buyer_language=buyer_language)
    if picked is None:
        return Rendered("", "", ())
    language, text = picked
    if context is None:
        context = template_context_cached(conversation=conversation)
    zone = context.get("time_zone") or _shop_zone(conversation)
    missing: list[str] = []

    def fill(match) -> str:
        name = match.group(1)
        if name not in VARIABLES:  # refused at save time; left visible if one slipped in
            return match.group(0)
        value = _value(name, context, language=language, zone=zone)
        if not value:
            if name not in missing:
                missing.append(name)
            return MISSING
        return cut(value, name)

    return Rendered(VARIABLE.sub(fill, text), language, tuple(missing))


# -- the values -----------------------------------------------------------------------------------


def _order_values(order: BuyerOrder | None) -> dict:
    if order is None:
        return {}
    return {
        "order_number": order.order_ref,
        "order_status": order.status_code,
        "order_total": order.total,
        "order_currency": order.currency,
        "tracking_number": order.tracking_number,
        "carrier": order.carrier,
        "ship_by_date": order.ship_by_at.isoformat() if order.ship_by_at else "",
    }


def _tracking_values(tracking: types.Tracking | None) -> dict:
    """The newest event's words and, once delivered, the delivery date as the ETA: the
    marketplace gives no estimate we could pass on, and we invent none."""
    if tracking is None or not tracking.events:
        return {}
    latest = max(tracking.events, key=lambda ev: ev.at)
    values = {"latest_tracking_event": latest.description}
    if tracking.status_code is types.TrackingStatus.DELIVERED:
        values["eta"] = latest.at.isoformat()
    return values


def _latest_cached(conversation: Conversation) -> BuyerOrder | None:
    return (
        BuyerOrder.objects.filter(
            shop_id=conversation.shop_id, buyer_platform_id=conversation.buyer_platform_id
        )
        .order_by(F("platform_created_at").desc(nulls_last=True), "-id")
        .first()
    )


def _base_context(conversation: Conversation) -> dict:
    return {
        "buyer_name": conversation.buyer_name,
        "shop_name": conversation.shop.name,
        "time_zone": _shop_zone(conversation),
        "errors": [],
    }


def template_context_cached(*, conversation: Conversation) -> dict:
    """The values known without asking the marketplace: names and the cached latest order
    (no tracking event: only a fetch knows it)."""
    return {**_base_context(conversation), **_order_values(_latest_cached(conversation))}


def _order_refs(conversation: Conversation) -> list[str]:
    """The orders we know of for this buyer in this shop: cached ones and order cards in chat."""
    refs = set(
        BuyerOrder.objects.filter(
            shop_id=conversation.shop_id, buyer_platform_id=conversation.buyer_platform_id
        ).values_list("order_ref", flat=True)
    )
    refs |= {
        ref
        for ref in Message.objects.filter(
            conversation=conversation, payload__has_key="order_ref"
        ).values_list("payload__order_ref", flat=True)
        if ref
    }
    return sorted(refs, reverse=True)[:MAX_ORDERS_ASKED]


def _fetch_latest(shop, refs: list[str], errors: list[str]) -> FetchedOrder | None:
    """The newest of these orders and its tracking, from the marketplace (no transaction). A
    tracking that fails leaves the order usable (the error is added to `errors`)."""
    adapter = get_adapter(shop.platform)

    def fetch(auth) -> FetchedOrder | None:
        orders = adapter.get_orders(auth, order_refs=refs)
        if not orders:
            return None
        order = max(orders, key=lambda o: o.created_at)
        try:
            tracking = adapter.get_tracking(auth, order_ref=order.order_ref)
        except NotFound:
            tracking = None
        except AdapterError as exc:
            errors.append(f"tracking: {exc}")
            tracking = None
        return FetchedOrder(order, tracking)

    return shop_api_call(shop=shop, call=fetch)


def template_context_fetch(*, conversation: Conversation) -> dict:
    """The variables' values for this conversation: buyer and shop names, and the buyer's latest
    order in this shop with its tracking, fetched from the marketplace OUTSIDE any transaction
    (call it before opening one) and cached on chat.BuyerOrder. It never raises for the
    marketplace: on an error it gives the cached values and says what failed in "errors".

    The buyer's latest order is the newest of the orders we know of (cached ones and order
    cards in the conversation): the marketplace offers no search of orders by buyer."""
    context = _base_context(conversation)
    refs = _order_refs(conversation)
    fetched = None
    if refs:
        try:
            fetched = _fetch_latest(conversation.shop, refs, context["errors"])
        except ShopNotConnected as exc:
            context["errors"].append(f"order: {exc.reason}")
        except AdapterError as exc:
            context["errors"].append(f"order: {exc}")
    if fetched is not None:
        cached = order_store(shop=conversation.shop, fetched=fetched)
        values = {**_order_values(cached), **_tracking_values(fetched.tracking)}
        return {**context, **values}
    return {**context, **_order_values(_latest_cached(conversation))}
