"""The marketplace's own chat figures beside ours (docs/metrics-marketplace.md).

Pull: one call per shop, made with no transaction open, then one short write. Compare: our
per-shop rates are passed in (``ours``), so this module does not depend on how they are computed;
when the two differ by more than ``MARKETPLACE_RATE_DIFF_POINTS`` the conversations whose chats
one side may count differently are listed."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chat.models import ConversationFact
from integrations.adapters import get_adapter
from integrations.codec import to_jsonable
from integrations.errors import AdapterError
from integrations.models import Shop
from integrations.services.tokens import ShopNotConnected, shop_api_call
from integrations.types import ShopPerformance
from kpi.models import MarketplaceShopFigure

logger = logging.getLogger(__name__)

REPLY_LIMIT = timedelta(hours=12)
# A chat opened this close to either end of the period may fall inside one side's window only.
WINDOW_EDGE = timedelta(days=1)
MAX_EXPLANATIONS = 200


class Reason:
    LATE = "late"  # first human reply after 12 h
    AUTO_REPLY_ONLY = "auto_reply_only"  # only an auto-reply within 12 h
    UNANSWERED = "unanswered"  # no reply at all
    OUTSIDE_REPLY = "outside_reply"  # answered from the marketplace's own seller tools
    WINDOW_EDGE = "window_edge"  # opened within a day of the period's start or end


@dataclass(frozen=True)
class PullOutcome:
    shop_id: int
    stored: bool
    reason: str = ""  # why nothing was stored (the previous figure stays)


def marketplace_figure_store(*, shop: Shop, fetched: ShopPerformance) -> MarketplaceShopFigure:
    """Write (or replace) the shop's figure for the fetch's UTC day."""
    raw = to_jsonable(dict(fetched.raw))
    with transaction.atomic():
        figure, _ = MarketplaceShopFigure.objects.update_or_create(
            shop=shop,
            day=fetched.fetched_at.astimezone(timezone.UTC).date(),
            defaults={
                "chat_response_rate": fetched.chat_response_rate,
                "response_time_seconds": fetched.response_time_seconds,
                "response_rate_target": fetched.response_rate_target,
                "non_responded_chats": fetched.non_responded_chats,
                "period_start": fetched.period_start,
                "period_end": fetched.period_end,
                "raw_payload": raw,
                "fetched_at": fetched.fetched_at,
            },
        )
    return figure


def marketplace_figure_pull(*, shop: Shop) -> PullOutcome:
    """Fetch the shop's figures (no transaction open) and store them. A refused or failed call
    stores nothing, so the last stored figure stays, and the outcome says why."""
    adapter = get_adapter(shop.platform)
    try:
        fetched = shop_api_call(shop=shop, call=adapter.get_shop_performance)
    except ShopNotConnected as exc:
        return PullOutcome(shop.pk, False, f"not connected: {exc.reason}")
    except (AdapterError, NotImplementedError) as exc:
        logger.warning("shop %s: marketplace figures not pulled: %s", shop.pk, exc)
        return PullOutcome(shop.pk, False, f"{type(exc).__name__}: {exc}")
    marketplace_figure_store(shop=shop, fetched=fetched)
    return PullOutcome(shop.pk, True)


def shops_due_for_figures(*, day: date | None = None) -> list[int]:
    """Connected shops with no figure for the day yet: the beat runs hourly and pulls only these,
    so a day is stored once and a shop that failed is retried on the next beat."""
    day = day or timezone.now().astimezone(timezone.UTC).date()
    done = MarketplaceShopFigure.objects.filter(day=day).values("shop_id")
    return list(
        Shop.objects.filter(status=Shop.Status.ACTIVE, token__isnull=False)
        .exclude(pk__in=done)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


@dataclass(frozen=True)
class Explanation:
    conversation_id: int
    opened_at: datetime
    reason: str


@dataclass(frozen=True)
class RateComparison:
    shop_id: int
    period_start: datetime
    period_end: datetime
    marketplace_rate: float | None  # fractions
    our_rate: float | None
    difference_points: float | None  # ours - marketplace, in percentage points
    differs: bool
    explanations: list[Explanation] = dataclasses.field(default_factory=list)


def response_rate_compare(
    *,
    figure: MarketplaceShopFigure,
    ours: Mapping[int, float | None],
    threshold_points: float | None = None,
) -> RateComparison:
    """The stored marketplace figure beside our rate for the same shop and period.

    ``ours`` maps shop pk -> our chat response rate (a fraction) over the figure's period, e.g.
    ``{s: r for s, r in chat_response_rate(shop_ids=[...], start=..., end=...).items()}``."""
    if threshold_points is None:
        threshold_points = settings.MARKETPLACE_RATE_DIFF_POINTS
    theirs, mine = figure.chat_response_rate, ours.get(figure.shop_id)
    diff = None if theirs is None or mine is None else round(100 * (mine - theirs), 2)
    differs = diff is not None and abs(diff) > threshold_points
    return RateComparison(
        shop_id=figure.shop_id,
        period_start=figure.period_start,
        period_end=figure.period_end,
        marketplace_rate=theirs,
        our_rate=mine,
        difference_points=diff,
        differs=differs,
        explanations=(
            chats_counted_differently(
                shop_id=figure.shop_id, start=figure.period_start, end=figure.period_end
            )
            if differs
            else []
        ),
    )


def chats_counted_differently(*, shop_id: int, start: datetime, end: datetime) -> list[Explanation]:
    """The shop's chats in [start, end) that one side may count and the other not, oldest first.

    A chat opens with a buyer message that starts a wait and ends at the first human reply (ours
    or from the seller tools); auto-replies do not end it. Reads one shop's reply and buyer-message
    facts of the period (one query; only run when the figures differ)."""
    kinds = (
        ConversationFact.Kind.BUYER_MESSAGE,
        ConversationFact.Kind.AGENT_REPLY,
        ConversationFact.Kind.OUTSIDE_REPLY,
        ConversationFact.Kind.AUTO_REPLY,
    )
    rows = (
        ConversationFact.objects.filter(
            shop_id=shop_id,
            kind__in=kinds,
            occurred_at__gte=start - WINDOW_EDGE,
            occurred_at__lt=end + REPLY_LIMIT,
        )
        .order_by("conversation_id", "occurred_at", "id")
        .values_list("conversation_id", "kind", "occurred_at")
    )
    out: list[Explanation] = []
    opened: dict[int, tuple[datetime, bool]] = {}  # conversation -> (opened, auto-replied)

    def close(conv: int, reason: str | None) -> None:
        at, _ = opened.pop(conv)
        if start - WINDOW_EDGE <= at < start + WINDOW_EDGE or end - WINDOW_EDGE <= at < end:
            reason = Reason.WINDOW_EDGE
        if reason and start - WINDOW_EDGE <= at < end:
            out.append(Explanation(conv, at, reason))

    for conv, kind, at in rows.iterator(chunk_size=2000):
        if kind == ConversationFact.Kind.BUYER_MESSAGE:
            if conv not in opened:
                opened[conv] = (at, False)
        elif conv in opened and kind == ConversationFact.Kind.AUTO_REPLY:
            first, auto = opened[conv]
            opened[conv] = (first, auto or at - first <= REPLY_LIMIT)
        elif conv in opened:
            first, auto = opened[conv]
            if at - first > REPLY_LIMIT:
                close(conv, Reason.AUTO_REPLY_ONLY if auto else Reason.LATE)
            else:
                outside = kind == ConversationFact.Kind.OUTSIDE_REPLY
                close(conv, Reason.OUTSIDE_REPLY if outside else None)
    for conv in list(opened):
        first, auto = opened[conv]
        if first < end - REPLY_LIMIT:  # still inside its 12 h: not late yet
            close(conv, Reason.AUTO_REPLY_ONLY if auto else Reason.UNANSWERED)
    return sorted(out, key=lambda x: (x.opened_at, x.conversation_id))[:MAX_EXPLANATIONS]


# Where our per-shop rate comes from for the admin's "ours" column: a callable taking
# (shop_ids=, start=, end=) and returning {shop pk: fraction}, the signature of
# kpi.services.metrics.chat_response_rate. Set once at start-up (KpiConfig.ready); None shows
# nothing.
OUR_RATES_SOURCE = None


def our_rate_for(figure: MarketplaceShopFigure) -> float | None:
    source = OUR_RATES_SOURCE
    if source is None:
        return None
    rates = source(shop_ids=[figure.shop_id], start=figure.period_start, end=figure.period_end)
    return rates.get(figure.shop_id)
