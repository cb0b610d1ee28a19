"""Outbound messages: one transaction writes the message and its outbox row; a task delivers it.

Delivery claims the row, re-checks the send rules, calls the API with quick retries, then backs
off through Celery. send_message has no idempotency key, so an unknown outcome (timeout, dropped
connection) is resolved by reading the conversation back before any resend.
"""

import hashlib
import json
import logging
import random
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from chat.enqueue import OUTBOUND_DELIVERY_SEND, enqueue_on_commit
from chat.marketplace_texts import UNVERIFIED, refusal_reason
from chat.models import Conversation, Message, OutboundDelivery
from chat.services.pipeline.send_rules import message_retryable, send_policy, send_rules_check
from chat.services.publish import (
    message_and_conversation_events,
    message_publish,
    write_and_publish,
)
from chat.services.state import message_preview, message_recorded
from chat.signals import reply_failed
from integrations import types
from integrations.adapters import get_adapter
from integrations.errors import AdapterError, AuthError, ForbiddenSend, NetworkError
from integrations.services.tokens import ShopNotConnected, shop_auth_get, shop_tokens_refresh
from shopee_cs.db import connection_release, get_with_related, save_fields_statement

logger = logging.getLogger(__name__)

QUICK_RETRIES = 3
QUICK_RETRY_DELAY_SECONDS = 0.2
KINDS = {"text", "image", "item", "order", "sticker"}


class ReplyRejected(Exception):
    """The request itself is invalid (not a send-rule refusal)."""


class IdempotencyConflict(Exception):
    """The Idempotency-Key was already used for a different message."""


@dataclass(frozen=True)
class DeliveryOutcome:
    delivery: OutboundDelivery
    retry_in: float | None = None  # seconds until the next attempt, when one is scheduled


def _unknown_check_delay() -> float:
    """How long to wait before reading back a send whose outcome is unknown."""
    return settings.OUTBOX_UNKNOWN_CHECK_SECONDS


def backoff_cap_seconds() -> float:
    """Retries stay well inside the broker's visibility timeout (half of it at most)."""
    return settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600) / 2


def _fingerprint(conversation_id: int, kind: str, text: str, payload: dict) -> str:
    raw = json.dumps([conversation_id, kind, text, payload], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


def _enqueue(delivery_id: int, countdown: float | None = None) -> None:
    # With the broker down the row stays pending and the sweep enqueues it later.
    enqueue_on_commit(OUTBOUND_DELIVERY_SEND, delivery_id, countdown=countdown)


def message_send_reply(
    *,
    conversation: Conversation,
    user,
    kind: str = "text",
    text: str = "",
    payload: dict | None = None,
    idempotency_key: str = "",
    sender_kind: str = Message.SenderKind.AGENT,
) -> tuple[Message, bool]:
    """Queue a reply. Returns (message, created). A send-rule refusal is stored as a failed
    message with its reason; a repeated Idempotency-Key returns the first message."""
    payload = payload or {}
    if kind not in KINDS:
        raise ReplyRejected(f"Unknown message kind {kind!r}; use one of {sorted(KINDS)}.")
    if kind != "text" and not payload:
        raise ReplyRejected(f"A {kind} message needs its payload (e.g. image_url, item_id).")
    fingerprint = _fingerprint(conversation.pk, kind, text, payload)
    if idempotency_key:
        replay = _replay(user, idempotency_key, fingerprint)
        if replay is not None:
            return replay, False
    now = timezone.now()
    try:
        with transaction.atomic():
            Conversation.objects.select_for_update().get(pk=conversation.pk)  # serialise sends
            refusal = send_rules_check(conversation=conversation, kind=kind, text=text, now=now)
            message = Message.objects.create(
                conversation=conversation,
                shop_id=conversation.shop_id,
                direction=Message.Direction.OUTBOUND,
                sender_kind=sender_kind,
                sender_user=user,
                kind=kind,
                text=text,
                payload=payload,
                status=Message.Status.FAILED if refusal else Message.Status.QUEUED,
                failure_code=refusal.code if refusal else "",
                failure_reason=refusal.reason if refusal else "",
            )
            delivery = OutboundDelivery.objects.create(
                message=message,
                status=OutboundDelivery.Status.FAILED
                if refusal
                else OutboundDelivery.Status.PENDING,
                next_attempt_at=None if refusal else now,
                requested_by=user,
                idempotency_key=idempotency_key,
                request_fingerprint=fingerprint,
                last_error=refusal.reason if refusal else "",
            )
            # Published before the send is enqueued: "created" always precedes "sent".
            message_publish(message=message, event_type="chat.message_created")
            if not refusal:
                _enqueue(delivery.pk)
    except IntegrityError:
        replay = _replay(user, idempotency_key, fingerprint) if idempotency_key else None
        if replay is None:
            raise
        return replay, False
    return message, True


def _replay(user, key: str, fingerprint: str) -> Message | None:
    existing = (
        OutboundDelivery.objects.select_related("message")
        .filter(requested_by=user, idempotency_key=key)
        .first()
    )
    if existing is None:
        return None
    if existing.request_fingerprint != fingerprint:
        raise IdempotencyConflict("This Idempotency-Key was already used for a different message.")
    return existing.message


def message_retry(*, message: Message, user) -> Message:
    """Send a failed message again (the agent's retry action), under the same rules."""
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .select_related("conversation__shop")
            .get(pk=message.pk)
        )
        if message.status != Message.Status.FAILED:
            raise ReplyRejected("Only a failed message can be retried.")
        if not message_retryable(message):
            raise ReplyRejected(f"Sending it again cannot succeed: {message.failure_reason}")
        refusal = send_rules_check(
            conversation=message.conversation,
            kind=message.kind,
            text=message.text,
            now=timezone.now(),
            exclude_message_id=message.pk,
        )
        if refusal:
            _fail(message.delivery, code=refusal.code, reason=refusal.reason)
            return message
        message.status = Message.Status.QUEUED
        message.failure_code = message.failure_reason = ""
        message.save(update_fields=["status", "failure_code", "failure_reason"])
        OutboundDelivery.objects.filter(message=message).update(
            status=OutboundDelivery.Status.PENDING, next_attempt_at=timezone.now(), last_error=""
        )
        _enqueue(message.delivery.pk)
        message_publish(message=message, event_type="chat.message_status_changed")
    return message


# -- delivery -----------------------------------------------------------------------------------


# The claim runs once per attempt: one statement written out, not compiled at every call.
_CLAIM_SQL = """
    UPDATE chat_outbounddelivery
    SET status = %(sending)s, claimed_at = %(now)s, claimed_by = %(token)s, attempts = attempts + 1
    WHERE id = %(id)s AND status = %(pending)s
        AND (next_attempt_at IS NULL OR next_attempt_at <= %(now)s)
"""


def _claim(delivery_id: int, attempt_token: str) -> bool:
    params = {
        "id": delivery_id,
        "now": timezone.now(),
        "token": attempt_token[:64],
        "sending": OutboundDelivery.Status.SENDING,
        "pending": OutboundDelivery.Status.PENDING,
    }
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_SQL, params)
        return cursor.rowcount == 1


def _orphaned_by_lost_worker(delivery_id: int, attempt_token: str) -> DeliveryOutcome | None:
    """The same task message redelivered after its worker died mid-send: the row is still
    "sending" under this very token. Its outcome is unknown, so read back before any resend."""
    if not attempt_token:
        return None
    delivery = OutboundDelivery.objects.filter(
        pk=delivery_id, status=OutboundDelivery.Status.SENDING, claimed_by=attempt_token[:64]
    ).first()
    if delivery is None:
        return None
    logger.warning("delivery %s: its worker was lost mid-send; reading back", delivery_id)
    return _mark_unknown(delivery, "the worker sending it was lost")


def _set_status(message: Message, status: str, **fields) -> None:
    message.status = status
    for name, value in fields.items():
        setattr(message, name, value)
    message.save(update_fields=["status", *fields])
    message_publish(message=message, event_type="chat.message_status_changed")


def _fail(delivery: OutboundDelivery, *, code: str, reason: str) -> None:
    with transaction.atomic():
        delivery.status = OutboundDelivery.Status.FAILED
        delivery.last_error = reason
        delivery.save(update_fields=["status", "last_error", "updated_at"])
        _set_status(
            delivery.message, Message.Status.FAILED, failure_code=code, failure_reason=reason
        )
        message = delivery.message
        transaction.on_commit(
            lambda: reply_failed.send(sender=Message, message=message), robust=True
        )


def _outbound(message: Message) -> types.OutboundMessage:
    conversation = message.conversation
    payload = message.payload
    return types.OutboundMessage(
        shop_id=conversation.shop.platform_shop_id,
        buyer_id=conversation.buyer_platform_id,
        kind=types.MessageKind(message.kind),
        text=message.text,
        image_url=payload.get("image_url", ""),
        item_id=payload.get("item_id", ""),
        order_ref=payload.get("order_ref", ""),
        sticker_id=payload.get("sticker_id", ""),
        sticker_package_id=payload.get("sticker_package_id", ""),
        conversation_id=conversation.platform_conversation_id,
        context_order_ref=payload.get("context_order_ref", ""),
        auto_reply=message.sender_kind == Message.SenderKind.AUTO,
    )


def outbound_delivery_send(*, delivery_id: int, attempt_token: str = "") -> DeliveryOutcome | None:
    """One delivery attempt. None when the row was not ours to send.

    ``attempt_token`` identifies the task message (its id survives redelivery), so a send
    orphaned by a killed worker is recognised at once instead of after the stale sweep.
    """
    # The claim commits before the request leaves, so a worker lost mid-call is recognised.
    # The message itself stays "queued" until the platform acknowledges it.
    with transaction.atomic():
        if not _claim(delivery_id, attempt_token):
            delivery = None
        else:
            delivery = get_with_related(
                OutboundDelivery, delivery_id, "message__conversation__shop__token"
            )
            message = delivery.message
            conversation = message.conversation
            refusal = send_rules_check(
                conversation=conversation,
                kind=message.kind,
                text=message.text,
                now=timezone.now(),
                exclude_message_id=message.pk,
            )
            if refusal:
                _fail(delivery, code=refusal.code, reason=refusal.reason)
                return DeliveryOutcome(delivery)
    if delivery is None:
        return _orphaned_by_lost_worker(delivery_id, attempt_token)
    adapter = get_adapter(conversation.shop.platform, retries=False)
    outbound = _outbound(message)
    # The token row came with the claim; after a forced refresh it is read again.
    preloaded = getattr(conversation.shop, "token", None)
    for refreshed in (False, True):  # one token refresh on an auth error, then give up
        try:
            auth = shop_auth_get(shop=conversation.shop, token=None if refreshed else preloaded)
            connection_release()  # to the pool, not held idle through the send
            result = adapter.send_message(auth, outbound)
        except ShopNotConnected as exc:
            _fail(delivery, code="shop_not_connected", reason=exc.reason)
            return DeliveryOutcome(delivery)
        except ForbiddenSend as exc:
            marketplace = send_policy(conversation.shop.platform).marketplace
            reason = f"{marketplace} refused the message: {exc.message}"
            _fail(delivery, code=exc.reason, reason=reason)
            return DeliveryOutcome(delivery)
        except NetworkError as exc:
            if exc.outcome_unknown:
                return _mark_unknown(delivery, str(exc))
            return _schedule_retry(delivery, exc)
        except AuthError as exc:
            if refreshed:
                _fail(delivery, code="auth", reason=str(exc))
                return DeliveryOutcome(delivery)
            try:
                shop_tokens_refresh(shop=conversation.shop, force=True)
            except ShopNotConnected as not_connected:
                _fail(delivery, code="shop_not_connected", reason=not_connected.reason)
                return DeliveryOutcome(delivery)
        except AdapterError as exc:
            if not exc.retryable:
                _fail(delivery, code=exc.code or type(exc).__name__, reason=str(exc))
                return DeliveryOutcome(delivery)
            return _schedule_retry(delivery, exc)
        else:
            return _mark_sent(delivery, result)
    raise AssertionError("unreachable: the loop returns on every path")


def _mark_sent(delivery: OutboundDelivery, result: types.SendResult) -> DeliveryOutcome:
    message = delivery.message
    acked = timezone.now()
    with transaction.atomic():
        # The conversation first, as ingestion locks it, so the two never wait on each other.
        conversation = Conversation.objects.select_for_update().get(pk=message.conversation_id)
        conversation.shop = message.conversation.shop  # loaded with the claim
        delivery.status = OutboundDelivery.Status.SENT
        delivery.last_error = ""
        message.status = Message.Status.SENT
        message.platform_message_id = result.platform_message_id
        message.platform_created_at = result.sent_at
        message.sent_at = acked
        latency_ms = int((acked - message.created_at).total_seconds() * 1000)
        message.delivery_latency_ms = max(latency_ms, 0)
        writes = [
            save_fields_statement(delivery, "status", "last_error", "updated_at"),
            save_fields_statement(
                message,
                "status",
                "platform_message_id",
                "platform_created_at",
                "sent_at",
                "delivery_latency_ms",
            ),
        ]
        # The reply takes its place in the timeline at the marketplace's time (state machine).
        change = message_recorded(
            conversation, message, preview=message_preview(message), new_row=False
        )
        write_and_publish(  # the writes, the facts and their events in one round trip
            shop_id=message.shop_id,
            writes=(*writes, *change.statements),
            events=message_and_conversation_events(
                message=message,
                event_type="chat.message_status_changed",
                conversation=conversation,
            ),
        )
        change.announce(conversation)
    return DeliveryOutcome(delivery)


def _mark_unknown(delivery: OutboundDelivery, error: str) -> DeliveryOutcome:
    delivery = OutboundDelivery.objects.select_related("message").get(pk=delivery.pk)
    with transaction.atomic():
        delivery.status = OutboundDelivery.Status.UNKNOWN
        delivery.last_error = error
        delivery.next_attempt_at = timezone.now() + timedelta(seconds=_unknown_check_delay())
        delivery.save(update_fields=["status", "last_error", "next_attempt_at", "updated_at"])
        _set_status(delivery.message, Message.Status.UNKNOWN)
    return DeliveryOutcome(delivery, retry_in=_unknown_check_delay())


def _schedule_retry(delivery: OutboundDelivery, error: Exception) -> DeliveryOutcome:
    """After a retryable error: 3 quick retries 200 ms apart, then jittered exponential backoff.

    Each retry is a new task run (Celery countdown), so a waiting delivery never holds a
    worker slot.
    """
    quick = delivery.attempts <= QUICK_RETRIES
    if quick:
        delay = QUICK_RETRY_DELAY_SECONDS
    else:
        base = settings.OUTBOX_BACKOFF_BASE_SECONDS
        delay = min(backoff_cap_seconds(), base * 2 ** (delivery.attempts - QUICK_RETRIES - 1))
        delay = random.uniform(delay / 2, delay)  # jitter
    with transaction.atomic():
        delivery.status = OutboundDelivery.Status.PENDING
        delivery.last_error = str(error)
        delivery.next_attempt_at = timezone.now() + timedelta(seconds=delay)
        delivery.save(update_fields=["status", "last_error", "next_attempt_at", "updated_at"])
        if delivery.message.status != Message.Status.QUEUED:  # e.g. a resend after a read-back
            _set_status(delivery.message, Message.Status.QUEUED)
    logger.warning("delivery %s: %s; retry in %.1fs", delivery.pk, error, delay)
    return DeliveryOutcome(delivery, retry_in=delay)


def unverified_reason(platform: str) -> str:
    return refusal_reason(UNVERIFIED, send_policy(platform))


def outbound_delivery_resolve_unknown(*, delivery_id: int) -> DeliveryOutcome | None:
    """Read the conversation back: if our message is there it was sent; otherwise resend."""
    from chat.services.pipeline.reconcile import conversation_messages_sync

    delivery = (
        OutboundDelivery.objects.select_related("message__conversation__shop")
        .filter(pk=delivery_id, status=OutboundDelivery.Status.UNKNOWN)
        .first()
    )
    if delivery is None:
        return None
    conversation = delivery.message.conversation
    # Ingestion matches our unconfirmed message by text and marks it sent (messages service).
    synced = conversation_messages_sync(
        shop=conversation.shop, platform_conversation_id=conversation.platform_conversation_id
    )
    delivery.refresh_from_db()
    delivery.message.refresh_from_db()
    if delivery.message.status == Message.Status.SENT:
        OutboundDelivery.objects.filter(pk=delivery.pk).update(status=OutboundDelivery.Status.SENT)
        delivery.refresh_from_db()
        return DeliveryOutcome(delivery)
    if synced.unreadable:
        # One of the records that could not be read may be ours: resending could deliver twice.
        _fail(delivery, code=UNVERIFIED, reason=unverified_reason(conversation.shop.platform))
        return DeliveryOutcome(delivery)
    with transaction.atomic():
        OutboundDelivery.objects.filter(
            pk=delivery.pk, status=OutboundDelivery.Status.UNKNOWN
        ).update(status=OutboundDelivery.Status.PENDING, next_attempt_at=timezone.now())
        _enqueue(delivery.pk)
    return DeliveryOutcome(delivery, retry_in=0)


def outbound_deliveries_sweep() -> dict[str, list[int]]:
    """Rows a lost task left behind: overdue pending rows, stale sending rows, unresolved unknowns.

    A row is only taken once it is overdue by OUTBOX_SWEEP_GRACE_SECONDS, and taking it restarts
    that grace, so a long but healthy queue is not flooded with duplicate task messages.
    """
    now = timezone.now()
    overdue = now - timedelta(seconds=settings.OUTBOX_SWEEP_GRACE_SECONDS)
    # A row still "sending" after the task's hard limit belongs to a killed worker.
    stale = now - timedelta(seconds=settings.OUTBOX_STALE_SENDING_SECONDS)
    OutboundDelivery.objects.filter(
        status=OutboundDelivery.Status.SENDING, claimed_at__lt=stale
    ).update(status=OutboundDelivery.Status.UNKNOWN, next_attempt_at=overdue)
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=overdue)
    found = {}
    for key, status in (
        ("pending", OutboundDelivery.Status.PENDING),
        ("unknown", OutboundDelivery.Status.UNKNOWN),
    ):
        ids = list(
            OutboundDelivery.objects.filter(due, status=status)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:500]
        )
        OutboundDelivery.objects.filter(pk__in=ids, status=status).update(next_attempt_at=now)
        found[key] = ids
    return found
