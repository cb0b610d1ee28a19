"""Inbound pushes: store first (deduplicated), acknowledge, then process after commit.

A push that cannot be parsed, or whose kind we do not handle, is parked with its error and
an alert in the log: it is kept, never dropped.
"""

import hashlib
import logging
from collections.abc import Callable
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from chat.enqueue import INBOUND_EVENT_PROCESS, enqueue_on_commit
from chat.models import BuyerOrder, InboundEvent
from chat.services.messages import conversation_locked_with_shop, message_ingest
from chat.services.pipeline import orders
from chat.signals import order_updated
from integrations import types
from integrations.adapters import get_adapter
from integrations.codec import push_event_from_jsonable, push_event_to_jsonable
from integrations.errors import AdapterError
from integrations.models import Shop
from integrations.services.connect import shop_deauthorize
from integrations.services.tokens import ShopNotConnected
from integrations.untrusted_json import storable_text
from shopee_cs.db import first_with_related, insert_unless_exists, save_fields

logger = logging.getLogger(__name__)


def _enqueue(event_id: int) -> None:
    # With the broker down the push is still stored; the sweep enqueues it later.
    enqueue_on_commit(INBOUND_EVENT_PROCESS, event_id)


def inbound_event_record(
    *, platform: str, raw_body: bytes, enqueue: bool = True
) -> tuple[InboundEvent, bool]:
    """Store an authenticated push. Returns (event, created); a repeat is a no-op. With
    `enqueue` False the caller processes a new pending event itself
    (inbound_event_process_here) if it may (inbound_event_processable_here), and any other
    is queued as usual; the sweep still covers it if that never happens."""
    text = storable_text(raw_body.decode("utf-8", errors="replace"))
    adapter = get_adapter(platform)
    try:
        [event] = adapter.parse_push(raw_body)
    except Exception as exc:  # parsing is pure: whatever it raises, the push cannot be read
        digest = hashlib.sha256(raw_body).hexdigest()
        return _store(
            platform=platform,
            dedup_key=f"unparsed:{digest}",
            raw_body=text,
            status=InboundEvent.Status.PARKED,
            error=f"unparseable push: {type(exc).__name__}: {exc}",
        )
    return _store(
        platform=platform,
        enqueue=enqueue,
        dedup_key=event.dedup_key,
        raw_body=text,
        kind=event.kind.value,
        shop_platform_id=event.shop_id or "",
        payload=push_event_to_jsonable(event),
    )


def inbound_events_record_recovered(*, platform: str, events: list[types.PushEvent]) -> int:
    """Store pushes recovered from the lost-push queue; returns how many were new."""
    created = 0
    for event in events:
        _, new = _store(
            platform=platform,
            dedup_key=event.dedup_key,
            source=InboundEvent.Source.LOST_PUSH,
            kind=event.kind.value,
            shop_platform_id=event.shop_id or "",
            payload=push_event_to_jsonable(event),
        )
        created += new
    return created


def inbound_events_park_unreadable(
    *, platform: str, records: tuple[types.Unreadable, ...], source: str
) -> int:
    """Park pulled or recovered records the adapter could not read, each once, with its error
    (as an unparseable push is): a person sees them, and the rest of their page goes on."""
    parked = 0
    for record in records:
        digest = hashlib.sha256(record.raw.encode()).hexdigest()
        _, new = _store(
            platform=platform,
            dedup_key=f"unreadable:{digest}",
            source=source,
            raw_body=storable_text(record.raw),
            status=InboundEvent.Status.PARKED,
            error=f"unreadable record: {record.error}",
        )
        parked += new
    return parked


def _insert(**fields) -> InboundEvent | None:
    """The new row, or None when the push is stored already (a webhook's insert commits by
    itself, with no BEGIN and COMMIT round trips)."""
    event = InboundEvent(**fields)
    return event if insert_unless_exists(event, conflict=("platform", "dedup_key")) else None


def _store(
    *,
    platform: str,
    dedup_key: str,
    status: str = InboundEvent.Status.PENDING,
    enqueue: bool = True,
    **fields,
):
    event = _insert(platform=platform, dedup_key=dedup_key, status=status, **fields)
    if event is None:
        return InboundEvent.objects.get(platform=platform, dedup_key=dedup_key), False
    if status == InboundEvent.Status.PARKED:
        logger.error("parked inbound event %s: %s", event.pk, event.error)
    elif enqueue or not inbound_event_processable_here(event):
        _enqueue(event.pk)
    return event, True


# -- processing ---------------------------------------------------------------------------------


def inbound_event_processable_here(event: InboundEvent) -> bool:
    """Whether the stored push carries everything its processing needs (a chat message push
    carries the message): it calls no marketplace, so the web process may process it. Every
    other push goes to the task queue."""
    return event.kind == types.PushKind.CHAT_MESSAGE and bool(
        (event.payload.get("payload") or {}).get("message")
    )


@dataclass(frozen=True)
class PushHandler:
    """`store` writes in the transaction that marks the event processed. `fetch`, when the push
    only announces something, asks the marketplace for it first: with no transaction open, no
    lock held and the connection handed back; `store` then gets what it returned."""

    store: Callable[[str, types.PushEvent, Any], None]
    fetch: Callable[[str, types.PushEvent], Any] | None = None


def _payload[P](event: types.PushEvent, *expected: type[P]) -> P:
    """The push's typed payload; a push of this kind without one cannot be processed."""
    if not isinstance(event.payload, expected):
        raise _Unprocessable(
            f"push kind {event.kind} carries {type(event.payload).__name__}, not "
            f"{' or '.join(t.__name__ for t in expected)}"
        )
    return event.payload


def _shop(platform: str, event: types.PushEvent) -> Shop:
    return Shop.objects.get(platform=platform, platform_shop_id=event.shop_id)


def _chat_message(platform: str, event: types.PushEvent, _fetched: None) -> None:
    message = _payload(event, types.ChatMessagePush).message
    conversation = conversation_locked_with_shop(
        platform=platform,
        platform_shop_id=event.shop_id,
        platform_conversation_id=message.conversation_id,
    )
    shop = conversation.shop if conversation else _shop(platform, event)
    message_ingest(shop=shop, message=message, conversation=conversation)


def _chat_notification_fetch(platform: str, event: types.PushEvent):
    # A notification only announces activity: fetch the conversation's latest messages.
    from chat.services.pipeline.reconcile import conversation_messages_fetch

    shop = _shop(platform, event)
    conversation_id = _payload(event, types.ChatMessagePush).conversation_id
    if not conversation_id:
        return shop, None
    return shop, conversation_messages_fetch(shop=shop, platform_conversation_id=conversation_id)


def _chat_notification_store(platform: str, event: types.PushEvent, fetched) -> None:
    from chat.services.pipeline.reconcile import conversation_messages_store

    shop, messages = fetched
    if messages is not None:
        conversation_messages_store(shop=shop, fetched=messages)


def _order_fetch(platform: str, event: types.PushEvent):
    shop = _shop(platform, event)
    push = _payload(event, types.OrderStatusPush, types.TrackingPush)
    return shop, orders.order_fetch(shop=shop, order_ref=push.order_ref)


def _order_store(platform: str, event: types.PushEvent, fetched) -> None:
    shop, order = fetched
    if order is None:
        return
    before = orders.order_tracking_status(shop=shop, order_ref=order.order.order_ref)
    cached = orders.order_store(shop=shop, fetched=order)
    if cached is not None and cached.tracking_status_code != before:
        transaction.on_commit(
            lambda: order_updated.send(
                sender=BuyerOrder, order=cached, previous_tracking_status=before or ""
            ),
            robust=True,
        )


def _return_fetch(platform: str, event: types.PushEvent):
    shop = _shop(platform, event)
    push = _payload(event, types.ReturnPush)
    return shop, orders.return_fetch(shop=shop, return_ref=push.return_ref)


def _return_store(platform: str, event: types.PushEvent, fetched) -> None:
    shop, ret = fetched
    orders.return_store(shop=shop, fetched=ret)


def _auth_shop_ids(event: types.PushEvent) -> tuple[str, ...]:
    push = _payload(event, types.AuthPush)
    return push.shop_ids or ((event.shop_id,) if event.shop_id else ())


def _deauthorized(platform: str, event: types.PushEvent, _fetched: None) -> None:
    for shop_id in _auth_shop_ids(event):
        shop_deauthorize(
            platform=platform,
            platform_shop_id=shop_id,
            reason="The seller cancelled the authorization (push).",
        )


def _authorized(platform: str, event: types.PushEvent, _fetched: None) -> None:
    logger.info("authorization push for shops %s", _auth_shop_ids(event))


def _expiring(platform: str, event: types.PushEvent, _fetched: None) -> None:
    from integrations.models import IntegrationAlert
    from integrations.services.alerts import integration_alert_raise

    expires = _payload(event, types.AuthPush).expires_before
    for shop in Shop.objects.filter(
        platform=platform, platform_shop_id__in=list(_auth_shop_ids(event))
    ):
        integration_alert_raise(
            shop=shop,
            kind=IntegrationAlert.Kind.TOKEN_EXPIRING,
            message=f"The authorization expires before {expires}; reconnect the shop.",
        )


_ORDER = PushHandler(fetch=_order_fetch, store=_order_store)
_CHAT_NOTIFICATION = PushHandler(fetch=_chat_notification_fetch, store=_chat_notification_store)
HANDLERS: dict[types.PushKind, PushHandler] = {
    types.PushKind.CHAT_MESSAGE: PushHandler(store=_chat_message),
    types.PushKind.ORDER_STATUS: _ORDER,
    types.PushKind.TRACKING_NUMBER: _ORDER,
    types.PushKind.RETURN_UPDATE: PushHandler(fetch=_return_fetch, store=_return_store),
    types.PushKind.DEAUTHORIZED: PushHandler(store=_deauthorized),
    types.PushKind.AUTHORIZED: PushHandler(store=_authorized),
    types.PushKind.TOKEN_EXPIRING: PushHandler(store=_expiring),
}


# An event whose processing fails in an unexpected way this many times is parked: retried for
# ever, one poison push would fail again every minute and never reach a person.
MAX_UNEXPECTED_FAILURES = 5


class Retry(Exception):
    """Processing hit a transient error; the task retries later."""


class _Unprocessable(Exception):
    """The push is kept, parked with this error (an alert in the log), and not retried."""


def _claim(event_id: int, lease=None) -> InboundEvent | None:
    """The pending event, locked (skipped when locked elsewhere). Without `lease`, only one
    that no fetch has claimed (or whose claim ran out); with it, only one still claimed by
    that very lease."""
    if lease is None:
        where = (
            "t0.id = %s AND t0.status = %s AND (t0.claimed_until IS NULL OR t0.claimed_until < %s)"
        )
        params = [event_id, InboundEvent.Status.PENDING, timezone.now()]
    else:
        where = "t0.id = %s AND t0.status = %s AND t0.claimed_until = %s"
        params = [event_id, InboundEvent.Status.PENDING, lease]
    return first_with_related(InboundEvent, "", where, params, lock=True, skip_locked=True)


def _lease_seconds() -> float:
    # A fetch ends within the task's hard time limit (its worker is killed after it), so the
    # claim of a killed worker frees the event soon after, for the sweep.
    return settings.CELERY_TASK_TIME_LIMIT + 30


def _lease_take(event: InboundEvent):
    event.claimed_until = timezone.now() + timedelta(seconds=_lease_seconds())
    save_fields(event, "claimed_until")
    return event.claimed_until


def _handler(push: types.PushEvent) -> PushHandler:
    chat = push.kind == types.PushKind.CHAT_MESSAGE
    if chat and isinstance(push.payload, types.ChatMessagePush) and push.payload.message is None:
        return _CHAT_NOTIFICATION
    handler = HANDLERS.get(push.kind)
    if handler is None:
        raise _Unprocessable(f"no handler for push kind {push.kind} (code {push.platform_code})")
    return handler


@contextmanager
def _refusals(push: types.PushEvent):
    """The handlers' known failures, as a retry or a refusal that parks the event."""
    try:
        yield
    except Shop.DoesNotExist as exc:
        raise _Unprocessable(f"push for unknown shop {push.shop_id}") from exc
    except ShopNotConnected as exc:
        raise _Unprocessable(f"shop cannot be called: {exc.reason}") from exc
    except AdapterError as exc:
        if exc.retryable:
            raise Retry(str(exc)) from exc
        raise _Unprocessable(f"marketplace refused a follow-up call: {exc}") from exc


def _finish(event: InboundEvent, error: str = "") -> None:
    event.attempts += 1
    event.status = InboundEvent.Status.PARKED if error else InboundEvent.Status.PROCESSED
    event.error = error
    event.processed_at = timezone.now()
    fields = ["status", "error", "processed_at", "attempts"]
    if event.claimed_until is not None:  # done with: the admin shows no claim on it
        event.claimed_until = None
        fields.append("claimed_until")
    save_fields(event, *fields)
    if error:
        logger.error("parked inbound event %s: %s", event.pk, error)


def inbound_event_process(*, event_id: int) -> InboundEvent | None:
    """Process one stored push. Idempotent: a processed or parked event is skipped.

    The handler's writes and the event's new status commit together, under the event's row
    lock. A push that only announces something (an order, a return, a chat notification) is
    first claimed (a lease, committed at once), then its marketplace calls run with no
    transaction open and no lock held; what they returned is stored in one short transaction
    that takes the event again only if the claim is still this run's. Another run meanwhile
    finds the event claimed and leaves it, so nothing is applied twice. A failed handler rolls
    its writes back; the event is then parked, or its attempt counted (and the claim dropped)
    before the retry, in a transaction of its own (no savepoint around the handler on the
    common path)."""
    lease = None
    try:
        with transaction.atomic():
            event = _claim(event_id)
            if event is None:
                return None  # done already, parked, or another worker holds it
            push = push_event_from_jsonable(event.payload)
            handler = _handler(push)
            if handler.fetch is None:
                with _refusals(push):
                    handler.store(event.platform, push, None)
                _finish(event)
                return event
            lease = _lease_take(event)
        with _refusals(push):
            fetched = handler.fetch(event.platform, push)
        with transaction.atomic():
            event = _claim(event_id, lease)
            if event is None:
                return None  # the claim ran out and another run took the event
            with _refusals(push):
                handler.store(event.platform, push, fetched)
            _finish(event)
        return event
    except (_Unprocessable, Retry) as exc:
        with transaction.atomic():
            event = _claim(event_id, lease)
            if event is None:
                return None
            if isinstance(exc, Retry):
                event.attempts += 1
                event.claimed_until = None
                save_fields(event, "attempts", "claimed_until")
            else:
                _finish(event, error=str(exc))
        if isinstance(exc, Retry):
            raise
        return event
    except Exception as exc:
        # The database may be why it failed: then nothing can be counted, and the sweep retries.
        with suppress(DatabaseError):
            _count_unexpected_failure(event_id, exc, lease)
        raise


def _count_unexpected_failure(event_id: int, exc: Exception, lease) -> None:
    with transaction.atomic():
        event = _claim(event_id, lease)
        if event is None:
            return
        if event.attempts + 1 >= MAX_UNEXPECTED_FAILURES:
            _finish(event, error=f"processing failed {event.attempts + 1} times: {exc!r}")
        else:
            event.attempts += 1
            event.claimed_until = None
            save_fields(event, "attempts", "claimed_until")


def inbound_events_reprocess(*, event_ids: list[int]) -> tuple[int, int]:
    """Queue parked events for processing again (after their shop was connected, or a fix).
    Only events that were read can be: one parked because it could not be read has nothing to
    process. Returns (queued, skipped)."""
    queued = 0
    with transaction.atomic():
        events = InboundEvent.objects.select_for_update().filter(
            pk__in=event_ids, status=InboundEvent.Status.PARKED
        )
        for event in events:
            if not event.payload:
                continue
            event.status, event.error, event.attempts = InboundEvent.Status.PENDING, "", 0
            event.claimed_until = None  # a claim left by the run that parked it
            save_fields(event, "status", "error", "attempts", "claimed_until")
            _enqueue(event.pk)
            queued += 1
    return queued, len(event_ids) - queued


def inbound_event_process_here(*, event_id: int) -> None:
    """Process a stored push in the calling process (the web server's fast path). If that
    fails for any reason the event stays pending and goes to the task queue, which retries
    with backoff; if the process dies first, the sweep enqueues it."""
    try:
        inbound_event_process(event_id=event_id)
    except Exception:
        logger.warning("inbound event %s: processing here failed, queued", event_id, exc_info=True)
        _enqueue(event_id)


def inbound_events_pending_ids(*, older_than_seconds: int = 60, limit: int = 500) -> list[int]:
    """Pending events whose task was lost (broker down at commit time, worker killed); not
    those a run has claimed while it asks the marketplace, until the claim runs out."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=older_than_seconds)
    return list(
        InboundEvent.objects.filter(status=InboundEvent.Status.PENDING, received_at__lt=cutoff)
        .exclude(claimed_until__gte=now)
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
