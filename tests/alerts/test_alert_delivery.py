"""Delivering alerts to robots: coalesced, paced under the IMs' limits, retried through
rate limits and outages, given up after a set time, and never doubled (reliability C21)."""

import itertools
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from alerts.models import Alert, AlertDelivery, Robot
from alerts.services.delivery import MAX_PER_MESSAGE, robot_deliver, robots_with_due_deliveries
from alerts.services.timers import first_response_scan
from integrations.robots import RobotKind
from tests.alerts.conftest import robot_for, waiting

pytestmark = pytest.mark.django_db


def delivered_conversations(robot_sim, kind: str) -> list[int]:
    """Each conversation link in the robot's messages, as often as it appears."""
    return [
        int(found)
        for m in robot_sim.sim.messages()
        if m["kind"] == kind
        for found in re.findall(r"/console/#c(\d+)", m["text"])
    ]


def drain(robot: Robot, *, start, step=3.1, rounds=100):
    """Run the robot's delivery task as the scan would, advancing time by `step` seconds."""
    now = start
    for _ in range(rounds):
        now += timedelta(seconds=step)
        robot_deliver(robot_id=robot.pk, now=now)
        if not AlertDelivery.objects.filter(robot=robot, status="pending").exists():
            return now
    return now


def test_many_breaches_become_few_messages_each_alert_once(team, robot_sim):
    conversations = [waiting(team, 200) for _ in range(45)]
    assert len(first_response_scan()) == 90  # a warning and a breach each
    drain(team.wecom, start=timezone.now())
    messages = [m for m in robot_sim.sim.messages() if m["kind"] == "wecom"]
    assert len(messages) == 90 // MAX_PER_MESSAGE + 1  # 5 messages, not 90
    got = delivered_conversations(robot_sim, "wecom")
    assert sorted(got) == sorted([c.pk for c in conversations] * 2)
    assert not AlertDelivery.objects.filter(robot=team.wecom).exclude(status="delivered").exists()


def test_the_robot_gets_one_message_every_60_18ths_of_a_second(team, robot_sim, settings):
    for _ in range(10):
        waiting(team, 130)
    first_response_scan()  # 10 warnings
    now = timezone.now()
    sends = []
    for second in range(0, 120, 2):  # a new alert every 2 s
        at = now + timedelta(seconds=second)
        robot_sim.sim.clock.now = at.timestamp()  # the IM's own minute moves with ours
        waiting(team, 130)
        first_response_scan()
        sends.append(robot_deliver(robot_id=team.wecom.pk, now=at).sent)
    assert sends[0] == 10  # the first message carries everything due
    busy = [2 * i for i, sent in enumerate(sends) if sent]  # seconds of each send
    assert all(b - a >= 60 / 18 for a, b in itertools.pairwise(busy))
    assert len(busy) == 30  # every 4 s: the first 2 s step past 3.3 s
    delivered = AlertDelivery.objects.filter(robot=team.wecom, status="delivered").count()
    assert sum(sends) == delivered == 10 + busy[-1] // 2 + 1  # each alert raised until then
    assert team.wecom.pk not in robots_with_due_deliveries(now=now + timedelta(seconds=117))


def test_c21_rate_limits_and_an_outage_lose_and_double_nothing(team, robot_sim):
    """300 breaches fire while the IM answers "too fast" and then is down; after recovery every
    alert has been delivered exactly once (a coalesced message counts each alert once)."""
    conversations = [waiting(team, 181) for _ in range(150)]  # warning + breach: 300 alerts
    assert len(first_response_scan()) == 300
    start = timezone.now()

    robot_sim.sim.rate_limit_all = True
    report = robot_deliver(robot_id=team.dingtalk.pk, now=start)
    assert report.retried == MAX_PER_MESSAGE and "130101" in report.error
    held = Robot.objects.get(pk=team.dingtalk.pk).held_until
    assert held >= timezone.now() + timedelta(seconds=590)  # DingTalk's 10-minute throttle
    assert robot_deliver(robot_id=team.dingtalk.pk, now=start + timedelta(seconds=60)).sent == 0

    robot_sim.sim.rate_limit_all = False
    # The other robot of the group is not held up by this one.
    drain(team.wecom, start=start)
    assert len(delivered_conversations(robot_sim, "wecom")) == 300

    robot_sim.sim.down = True
    after_hold = held + timedelta(seconds=1)
    report = robot_deliver(robot_id=team.dingtalk.pk, now=after_hold)
    assert report.retried and "503" in report.error

    robot_sim.sim.down = False
    robot_sim.sim.clock.now += 660  # the IM's own 10-minute throttle is over
    drain(team.dingtalk, start=after_hold + timedelta(minutes=10), step=3.1, rounds=200)
    got = delivered_conversations(robot_sim, "dingtalk")
    assert sorted(got) == sorted([c.pk for c in conversations] * 2)  # each alert exactly once
    assert AlertDelivery.objects.filter(status="delivered").count() == 600


def test_a_delivery_failing_past_the_give_up_time_is_marked_failed(team, robot_sim, settings):
    settings.ALERTS_GIVE_UP_SECONDS = 60
    waiting(team, 130)
    [alert] = first_response_scan()
    Alert.objects.filter(pk=alert.pk).update(raised_at=timezone.now() - timedelta(seconds=61))
    robot_sim.sim.down = True
    report = robot_deliver(robot_id=team.wecom.pk)
    assert report.failed == 1
    delivery = AlertDelivery.objects.get(alert=alert, robot=team.wecom)
    assert delivery.status == "failed" and "503" in delivery.last_error
    assert delivery.attempts == 1


def test_errors_back_off(team, robot_sim):
    waiting(team, 130)
    first_response_scan()
    robot_sim.sim.down = True
    now = timezone.now()
    robot_deliver(robot_id=team.wecom.pk, now=now)
    first = AlertDelivery.objects.get(robot=team.wecom).next_attempt_at
    robot_deliver(robot_id=team.wecom.pk, now=first + timedelta(seconds=1))
    second = AlertDelivery.objects.get(robot=team.wecom).next_attempt_at
    assert second - first > first - now  # 5 s, then 10 s, ...


def test_a_misconfigured_robot_keeps_its_alerts_and_says_why(team, robot_sim):
    broken = robot_for(robot_sim, team.group, RobotKind.DINGTALK, "ding-broken", secret="SECa")
    robot_sim.sim.robots[("dingtalk", "ding-broken")].secret = "SECb"
    waiting(team, 130)
    first_response_scan()
    report = robot_deliver(robot_id=broken.pk)
    assert "sign not match" in report.error
    broken.refresh_from_db()
    assert "sign not match" in broken.last_error
    assert AlertDelivery.objects.get(robot=broken).status == "pending"


def test_an_inactive_robot_gets_nothing(team):
    Robot.objects.filter(pk=team.dingtalk.pk).update(is_active=False)
    waiting(team, 130)
    [alert] = first_response_scan()
    assert list(alert.deliveries.values_list("robot", flat=True)) == [team.wecom.pk]
