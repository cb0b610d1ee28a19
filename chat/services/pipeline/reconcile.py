"""Reconciliation: pull conversations and messages, and drain lost pushes, so that a missed push
never means a missed message. Replies sent from the marketplace's own seller app arrive here as
"sent outside"."""

import logging
import random
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from chat.models import Conversation, InboundEvent, ShopSyncState
from chat.services.pipeline.bulk_ingest import ConversationBatch, messages_ingest_batch
from chat.services.pipeline.inbound import (
    inbound_events_park_unreadable,
    inbound_events_record_recovered,
)
from integrations.adapters import get_adapter
from integrations.errors import AdapterError, RateLimited
from integrations.models import Shop
from integrations.services.tokens import ShopNotConnected, shop_api_call
from integrations.types import ShopAuth
from shopee_cs.db import connection_release

logger = logging.getLogger(__name__)

MAX_CONVERSATION_PAGES = 20
MAX_MESSAGE_PAGES = 20
MAX_LOST_PUSH_BATCHES = 20
CONVERSATION_PAGE_SIZE = 50
MESSAGE_PAGE_SIZE = 60  # the largest message page the marketplace returns
# Concurrent message fetches per shop; the client backs off on error_rate_limit.
FETCH_CONCURRENCY = 4
BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 900


@dataclass(frozen=True)
class ReconcileResult:
    conversations: int
    messages_created: int
    complete: bool
    skipped: bool = False  # another run of this shop holds it


def _lease_seconds() -> float:
    # A run ends within the task's hard time limit (its worker is killed after it), so a lease
    # left by a killed worker frees the shop soon after.
    return settings.CELERY_TASK_TIME_LIMIT + 30


def _lease_take(shop: Shop):
    """The lease's end if this run took the shop, else None."""
    ShopSyncState.objects.get_or_create(shop=shop)
    now = timezone.now()
    until = now + timedelta(seconds=_lease_seconds())
    taken = (
        ShopSyncState.objects.filter(shop=shop)
        .filter(Q(running_until__isnull=True) | Q(running_until__lt=now))
        .update(running_until=until)
    )
    return until if taken else None


@dataclass(frozen=True)
class FetchedMessages:
    platform_conversation_id: str
    buyer_name: str
    messages: list
    unreadable: tuple = ()


def _fetch_new_messages(
    adapter, auth, *, platform_conversation_id: str, known_until, buyer_name: str = ""
) -> FetchedMessages:
    """Page back through a conversation until reaching what we already have (HTTP only)."""
    collected, unreadable, cursor = [], (), None
    for _ in range(MAX_MESSAGE_PAGES):
        page = adapter.get_messages(
            auth,
            conversation_id=platform_conversation_id,
            cursor=cursor,
            page_size=MESSAGE_PAGE_SIZE,
        )
        # Same-second timestamps are ambiguous: keep them, ingestion skips known ids.
        collected += [m for m in page.items if known_until is None or m.sent_at >= known_until]
        unreadable += page.unreadable
        reached_known = known_until is not None and any(m.sent_at < known_until for m in page.items)
        if reached_known or not page.has_more:
            break
        cursor = page.next_cursor
    return FetchedMessages(platform_conversation_id, buyer_name, collected, unreadable)


def _park(shop: Shop, unreadable: tuple) -> None:
    """Park unreadable records before their page's cursor moves past them (committed first: a
    page that then fails is fetched again, and its records are parked once)."""
    if unreadable:
        with transaction.atomic():
            inbound_events_park_unreadable(
                platform=shop.platform, records=unreadable, source=InboundEvent.Source.PULL
            )


def _store(shop: Shop, fetched: list[FetchedMessages]) -> int:
    """Write what was fetched in one transaction; each conversation's cursor moves with it."""
    _park(shop, tuple(record for f in fetched for record in f.unreadable))
    return messages_ingest_batch(
        shop=shop,
        batches=[
            ConversationBatch(f.platform_conversation_id, f.buyer_name, f.messages) for f in fetched
        ],
    )


def _known_until(shop: Shop, conversation_ids: list[str]) -> dict[str, object]:
    return dict(
        Conversation.objects.filter(
            shop=shop, platform_conversation_id__in=conversation_ids
        ).values_list("platform_conversation_id", "synced_until")
    )


@dataclass(frozen=True)
class _PageInFlight:
    page: object
    changed: list
    futures: list[Future]


def _page_start(pool, adapter, auth, shop: Shop, since, cursor) -> _PageInFlight:
    """List one page of conversations and start fetching the messages of those that changed."""
    connection_release()
    page = adapter.list_conversations(auth, cursor=cursor, page_size=CONVERSATION_PAGE_SIZE)
    _park(shop, page.unreadable)
    changed = [
        c
        for c in page.items
        if c.last_message_at is not None and (since is None or c.last_message_at > since)
    ]
    known = _known_until(shop, [c.platform_conversation_id for c in changed])
    futures = [
        pool.submit(
            _fetch_new_messages,
            adapter,
            auth,
            platform_conversation_id=c.platform_conversation_id,
            known_until=known.get(c.platform_conversation_id),
            buyer_name=c.buyer_name,
        )
        for c in changed
    ]
    return _PageInFlight(page, changed, futures)


@dataclass(frozen=True)
class ConversationSyncResult:
    created: int
    unreadable: int  # records parked because they could not be read


def conversation_messages_fetch(
    *, shop: Shop, platform_conversation_id: str, buyer_name: str = ""
) -> FetchedMessages:
    """A conversation's messages newer than what we have, from the marketplace (with no
    transaction open and the database connection handed back during the calls)."""
    adapter = get_adapter(shop.platform)
    known = _known_until(shop, [platform_conversation_id]).get(platform_conversation_id)
    return shop_api_call(
        shop=shop,
        call=lambda auth: _fetch_new_messages(
            adapter,
            auth,
            platform_conversation_id=platform_conversation_id,
            known_until=known,
            buyer_name=buyer_name,
        ),
    )


def conversation_messages_store(*, shop: Shop, fetched: FetchedMessages) -> ConversationSyncResult:
    return ConversationSyncResult(_store(shop, [fetched]), len(fetched.unreadable))


def conversation_messages_sync(
    *, shop: Shop, platform_conversation_id: str, buyer_name: str = ""
) -> ConversationSyncResult:
    """Fetch a conversation's messages newer than what we have, then store them."""
    fetched = conversation_messages_fetch(
        shop=shop, platform_conversation_id=platform_conversation_id, buyer_name=buyer_name
    )
    return conversation_messages_store(shop=shop, fetched=fetched)


def shop_reconcile(*, shop: Shop) -> ReconcileResult:
    """Walk the conversation list from the newest down to the stored cursor, at most
    MAX_CONVERSATION_PAGES pages per run; a longer walk resumes where the last run stopped.

    Message pages of changed conversations are fetched concurrently, then stored in one
    transaction per page; the next page is fetched while the current one is written. The cursor
    moves only when a walk completes, to the newest conversation seen when it began: anything
    newer is picked up by the next walk. One run per shop at a time: while another holds the
    shop, this one returns at once, skipped (two would spend the shop's API quota twice, and the
    later one's save would move the cursor back).
    """
    lease = _lease_take(shop)
    if lease is None:
        return ReconcileResult(conversations=0, messages_created=0, complete=False, skipped=True)
    try:
        # A walk refused for the token runs once more after a refresh (shop_api_call); it
        # resumes from the stored cursor and skips what is already stored.
        return shop_api_call(shop=shop, call=lambda auth: _walk(shop, auth))
    except ShopNotConnected as exc:
        _record_error(shop, f"{exc.shop.get_status_display()}: {exc.reason}")
        raise
    except RateLimited:
        raise  # recorded with its backoff
    except AdapterError as exc:
        _record_error(shop, f"{type(exc).__name__}: {exc}")
        raise
    finally:  # only our own lease: one that outlived it may have been taken by another run
        ShopSyncState.objects.filter(shop=shop, running_until=lease).update(running_until=None)


def _record_error(shop: Shop, error: str) -> None:
    """What stopped the run, on the shop's sync state (the admin's Shop sync states page)."""
    ShopSyncState.objects.filter(shop=shop).update(last_error=error)
    logger.warning("sync of shop %s failed: %s", shop.platform_shop_id, error)


def _walk(shop: Shop, auth: ShopAuth) -> ReconcileResult:
    state = ShopSyncState.objects.get(shop=shop)
    adapter = get_adapter(shop.platform)
    since = state.conversations_synced_until
    cursor = state.walk_cursor or None
    newest = state.walk_newest
    seen, created, complete = 0, 0, False
    pool = ThreadPoolExecutor(max_workers=FETCH_CONCURRENCY)
    try:
        current = _page_start(pool, adapter, auth, shop, since, cursor)
        for n in range(MAX_CONVERSATION_PAGES):
            page, changed = current.page, current.changed
            last = len(changed) < len(page.items) or not page.has_more
            upcoming, deferred = None, None
            if not last and n + 1 < MAX_CONVERSATION_PAGES:
                # The next page is fetched while this one is written: HTTP and the database
                # overlap. A rate limit there waits until this page is stored.
                try:
                    upcoming = _page_start(pool, adapter, auth, shop, since, page.next_cursor)
                except RateLimited as exc:
                    deferred = exc
            connection_release()  # while the fetches end
            fetched = [future.result() for future in current.futures]
            created += _store(shop, fetched)
            seen += len(changed)
            for c in changed:
                newest = max(newest, c.last_message_at) if newest else c.last_message_at
            if last:
                complete = True
                break
            cursor = page.next_cursor
            if deferred is not None:
                raise deferred
            if upcoming is None:
                break  # MAX_CONVERSATION_PAGES: the next run resumes at `cursor`
            current = upcoming
    except RateLimited as exc:
        # Keep the walk's progress: the next run resumes at the page that was refused.
        state.walk_cursor, state.walk_newest = cursor or "", newest
        _back_off(state, exc)
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # nothing fetched after a failure
    state.last_run_at = timezone.now()
    state.last_error = ""
    state.consecutive_rate_limits = 0
    state.backoff_until = None
    if complete:
        if newest is not None:
            state.conversations_synced_until = newest
        state.walk_cursor, state.walk_newest = "", None
    else:
        state.walk_cursor, state.walk_newest = cursor or "", newest
    state.save()
    return ReconcileResult(conversations=seen, messages_created=created, complete=complete)


def _back_off(state: ShopSyncState, exc: RateLimited) -> None:
    state.consecutive_rate_limits += 1
    delay = min(
        BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (state.consecutive_rate_limits - 1)
    )
    delay = max(delay, exc.retry_after or 0) * random.uniform(1.0, 1.25)
    state.backoff_until = timezone.now() + timedelta(seconds=delay)
    state.last_error = f"rate limited: {exc}"
    state.save()
    logger.warning("shop %s rate limited; next sync after %s", state.shop_id, state.backoff_until)


def shops_due_for_reconcile() -> list[int]:
    now = timezone.now()
    return list(
        Shop.objects.filter(status=Shop.Status.ACTIVE, token__isnull=False)
        .exclude(sync_state__backoff_until__gt=now)
        .exclude(sync_state__running_until__gt=now)
        .values_list("pk", flat=True)
    )


def lost_pushes_drain(*, platform: str) -> int:
    """Store every unconfirmed push the marketplace still holds, confirming only what is
    committed. Returns how many were new."""
    adapter = get_adapter(platform)
    created = 0
    for _ in range(MAX_LOST_PUSH_BATCHES):
        batch = adapter.fetch_lost_pushes()
        if not batch.events:
            break
        with transaction.atomic():
            created += inbound_events_record_recovered(platform=platform, events=list(batch.events))
            inbound_events_park_unreadable(
                platform=platform, records=batch.unreadable, source=InboundEvent.Source.LOST_PUSH
            )
        if batch.ack_cursor:  # committed above: safe to let the marketplace forget them
            adapter.confirm_lost_pushes(ack_cursor=batch.ack_cursor)
        if not batch.has_more:
            break
    return created
