"""Delivering alerts to robots: exactly once per (alert, robot), coalesced, paced, retried.

A robot's pending deliveries are claimed under a lease in one short transaction, sent as ONE
message listing them (many breaches at once become one message), outside any transaction, and
then marked. The robot is paced to one message every 60 / ALERTS_ROBOT_PER_MINUTE seconds (the
IMs allow 20 a minute; an even pace, because a burst that spends the minute's allowance at once
leaves later alerts waiting for the rest of the minute), and held for the IM's window after a
rate-limit answer. Errors back off exponentially; a delivery still failing
ALERTS_GIVE_UP_SECONDS after its alert was raised is marked failed (shown in the admin). One
robot's failures never hold up another's: each robot is its own task."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import ngettext

from alerts.models import Alert, AlertDelivery, ImContact, Robot
from alerts.services.robots import robot_config, robot_outcome_record
from integrations.robots import (
    Mentions,
    RobotError,
    RobotMessage,
    RobotRateLimited,
    robot_transport,
)

MAX_PER_MESSAGE = 20  # lines of ~200 bytes: well inside WeCom's 4096-byte markdown
LEASE_SECONDS = 60
BACKOFF_FIRST, BACKOFF_CAP = 5.0, 300.0


@dataclass(frozen=True)
class DeliveryReport:
    robot_id: int
    sent: int = 0
    retried: int = 0
    failed: int = 0
    error: str = ""


def _due(now):
    return Q(status=AlertDelivery.Status.PENDING, next_attempt_at__lte=now) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )


def _recent(sends: list[float], now) -> list[float]:
    """The sends of the last 60 s (the IMs' window)."""
    since = now.timestamp() - 60
    return [t for t in sends if t > since]


def _has_room(sends: list[float], now) -> bool:
    gap = 60.0 / settings.ALERTS_ROBOT_PER_MINUTE
    recent = _recent(sends, now)
    return len(recent) < settings.ALERTS_ROBOT_PER_MINUTE and (
        not recent or now.timestamp() - max(recent) >= gap
    )


def robots_with_due_deliveries(*, now=None) -> list[int]:
    now = now or timezone.now()
    robots = (
        Robot.objects.filter(is_active=True, deliveries__in=AlertDelivery.objects.filter(_due(now)))
        .filter(Q(held_until__isnull=True) | Q(held_until__lte=now))
        .values_list("pk", "recent_sends")
        .distinct()
    )
    return [pk for pk, sends in robots if _has_room(sends, now)]


def _claim(robot_id: int, now) -> tuple[Robot, list[AlertDelivery]] | None:
    with transaction.atomic():
        robot = (
            Robot.objects.select_for_update(skip_locked=True)
            .filter(pk=robot_id, is_active=True)
            .filter(Q(held_until__isnull=True) | Q(held_until__lte=now))
            .select_related("group")
            .first()
        )
        if robot is None or not _has_room(robot.recent_sends, now):
            return None
        claimed = list(
            AlertDelivery.objects.select_for_update(skip_locked=True)
            .filter(_due(now), robot=robot)
            .select_related("alert")
            .order_by("alert__due_at", "pk")[:MAX_PER_MESSAGE]
        )
        if not claimed:
            return None
        AlertDelivery.objects.filter(pk__in=[d.pk for d in claimed]).update(
            claimed_until=now + timedelta(seconds=LEASE_SECONDS)
        )
        # The pace counts attempts, failed ones too.
        robot.recent_sends = [*_recent(robot.recent_sends, now), now.timestamp()]
        robot.save(update_fields=["recent_sends"])
    return robot, claimed


def _mentions(robot: Robot, alerts: list[Alert]) -> Mentions:
    user_ids = {uid for alert in alerts for uid in alert.mention_user_ids}
    contacts = ImContact.objects.filter(user_id__in=user_ids)
    kind = robot.kind
    ids = {
        Robot.Kind.WECOM: [c.wecom_user_id for c in contacts],
        Robot.Kind.DINGTALK: [c.dingtalk_user_id for c in contacts],
        Robot.Kind.FEISHU: [c.feishu_open_id for c in contacts],
    }[kind]
    mobiles = [c.mobile for c in contacts] if kind == Robot.Kind.DINGTALK else []
    if kind == Robot.Kind.WECOM and not any(ids):
        mobiles = [c.mobile for c in contacts]
    return Mentions(
        user_ids=tuple(sorted(filter(None, ids))), mobiles=tuple(sorted(filter(None, mobiles)))
    )


def alerts_message(robot: Robot, alerts: list[Alert]) -> RobotMessage:
    """One message for the claimed alerts: the alert itself, or a list of them."""
    if len(alerts) == 1:
        title, lines = alerts[0].title, [alerts[0].text]
    else:
        title = ngettext("%(count)d alert", "%(count)d alerts", len(alerts)) % {
            "count": len(alerts)
        }
        lines = [f"- **{a.title}**: {a.text}" for a in alerts]
    return RobotMessage(title=title, markdown="\n".join(lines), mentions=_mentions(robot, alerts))


def _backoff(attempts: int) -> float:
    return min(BACKOFF_CAP, BACKOFF_FIRST * 2 ** max(0, attempts - 1))


def robot_deliver(*, robot_id: int, now=None) -> DeliveryReport:
    """Send this robot's due alerts as one message; returns what happened."""
    started = timezone.now()
    now = now or started
    claim = _claim(robot_id, now)
    if claim is None:
        return DeliveryReport(robot_id)
    robot, deliveries = claim
    alerts = [d.alert for d in deliveries]
    error: RobotError | None = None
    try:
        robot_transport(robot_config(robot)).send(alerts_message(robot, alerts))
    except RobotError as exc:
        error = exc
    robot_outcome_record(robot, error)
    ids = [d.pk for d in deliveries]
    done = now + (timezone.now() - started)  # the attempt's end on the caller's clock
    if error is None:
        AlertDelivery.objects.filter(pk__in=ids).update(
            status=AlertDelivery.Status.DELIVERED,
            delivered_at=done,
            attempts=F("attempts") + 1,
            claimed_until=None,
            last_error="",
        )
        return DeliveryReport(robot_id, sent=len(ids))
    give_up = done - timedelta(seconds=settings.ALERTS_GIVE_UP_SECONDS)
    failed = [d.pk for d in deliveries if d.alert.raised_at <= give_up]
    retry = [d for d in deliveries if d.pk not in failed]
    with transaction.atomic():
        if isinstance(error, RobotRateLimited):
            Robot.objects.filter(pk=robot.pk).update(
                held_until=done + timedelta(seconds=error.retry_after)
            )
        AlertDelivery.objects.filter(pk__in=failed).update(
            status=AlertDelivery.Status.FAILED,
            attempts=F("attempts") + 1,
            claimed_until=None,
            last_error=str(error),
        )
        for delivery in retry:
            wait = (
                error.retry_after
                if isinstance(error, RobotRateLimited)
                else _backoff(delivery.attempts + 1)
            )
            AlertDelivery.objects.filter(pk=delivery.pk).update(
                attempts=delivery.attempts + 1,
                next_attempt_at=done + timedelta(seconds=wait),
                claimed_until=None,
                last_error=str(error),
            )
    return DeliveryReport(robot_id, retried=len(retry), failed=len(failed), error=str(error))
