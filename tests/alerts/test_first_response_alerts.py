"""The first-response timer: a warning at the group's warn point, a breach at the shop's
target, once per wait, to every robot of the group and in the console."""

import threading
from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from alerts.models import Alert, AlertDelivery, GroupAlertPolicy
from alerts.services.delivery import robot_deliver
from alerts.services.timers import first_response_scan
from chat.models import Conversation
from integrations.business_hours import BusinessCalendar, BusinessPeriod
from tests.alerts.conftest import waiting

pytestmark = pytest.mark.django_db

WARNING, BREACH = Alert.Kind.FIRST_RESPONSE_WARNING, Alert.Kind.FIRST_RESPONSE_BREACH


def kinds(conversation) -> list[str]:
    return sorted(Alert.objects.filter(conversation=conversation).values_list("kind", flat=True))


def test_a_wait_warns_at_120_s_and_breaches_at_180_s_once_each(team):
    conversation = waiting(team, 100)
    since = conversation.awaiting_reply_since
    assert first_response_scan() == []

    [warning] = first_response_scan(now=since + timedelta(seconds=120))
    assert warning.kind == WARNING and warning.due_at == since + timedelta(seconds=120)
    assert warning.mention_user_ids == []  # unassigned: the group is told, nobody in particular
    assert first_response_scan(now=since + timedelta(seconds=150)) == []  # not twice

    Conversation.objects.filter(pk=conversation.pk).update(assignee=team.agent)
    [breach] = first_response_scan(now=since + timedelta(seconds=181))
    assert breach.kind == BREACH and breach.due_at == since + timedelta(seconds=180)
    assert sorted(breach.mention_user_ids) == sorted([team.agent.pk, team.lead.pk])
    assert first_response_scan(now=since + timedelta(seconds=400)) == []
    assert kinds(conversation) == [BREACH, WARNING]
    # One delivery per robot of the group for each alert.
    assert AlertDelivery.objects.filter(alert=breach).count() == 2


def test_a_reply_at_100_s_raises_nothing(team):
    conversation = waiting(team, 100)
    Conversation.objects.filter(pk=conversation.pk).update(awaiting_reply_since=None)
    assert first_response_scan(now=timezone.now() + timedelta(minutes=10)) == []


def test_a_second_wait_of_the_same_conversation_is_alerted_again(team):
    conversation = waiting(team, 200)
    assert len(first_response_scan()) == 2
    later = timezone.now() - timedelta(seconds=130)
    Conversation.objects.filter(pk=conversation.pk).update(awaiting_reply_since=later)
    assert [a.kind for a in first_response_scan()] == [WARNING]


def test_the_shop_target_and_the_group_warn_point_are_used(team):
    team.shop.first_response_target_seconds = 300
    team.shop.save()
    GroupAlertPolicy.objects.filter(group=team.group).update(warn_after_seconds=60)
    conversation = waiting(team, 0)
    since = conversation.awaiting_reply_since
    assert [a.kind for a in first_response_scan(now=since + timedelta(seconds=61))] == [WARNING]
    assert first_response_scan(now=since + timedelta(seconds=299)) == []
    assert [a.kind for a in first_response_scan(now=since + timedelta(seconds=300))] == [BREACH]


def test_resolved_or_groupless_conversations_raise_nothing(team):
    waiting(team, 500, status=Conversation.Status.RESOLVED)
    waiting(team, 500, group=None)
    assert first_response_scan() == []


def test_the_wait_pauses_outside_business_hours_when_the_group_chooses(team):
    calendar = BusinessCalendar.objects.create(shop=team.shop, time_zone="UTC")
    for day in range(7):
        BusinessPeriod.objects.create(
            calendar=calendar, weekday=day, starts_at=time(9), ends_at=time(18)
        )
    GroupAlertPolicy.objects.filter(group=team.group).update(pause_outside_business_hours=True)
    evening = datetime(2026, 12, 7, 17, 59, tzinfo=UTC)
    conversation = waiting(team, 0)
    Conversation.objects.filter(pk=conversation.pk).update(awaiting_reply_since=evening)
    # 60 s counted before closing; the other 60 s of the warning run from 09:00 next morning.
    assert first_response_scan(now=evening + timedelta(hours=12)) == []
    [warning] = first_response_scan(now=datetime(2026, 12, 8, 9, 1, tzinfo=UTC))
    assert warning.due_at == datetime(2026, 12, 8, 9, 1, tzinfo=UTC)

    GroupAlertPolicy.objects.filter(group=team.group).update(pause_outside_business_hours=False)
    other = waiting(team, 0)
    Conversation.objects.filter(pk=other.pk).update(awaiting_reply_since=evening)
    raised = first_response_scan(now=evening + timedelta(seconds=200))
    assert sorted(a.kind for a in raised if a.conversation_id == other.pk) == [BREACH, WARNING]


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_raise_each_alert_once(team):
    for _ in range(30):
        waiting(team, 200)
    barrier = threading.Barrier(2)
    raised = []

    def scan():
        try:
            barrier.wait()
            raised.append(len(first_response_scan()))
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(raised) == 60 and Alert.objects.count() == 60
    assert AlertDelivery.objects.count() == 120


def test_the_warning_reaches_the_robots_mentioning_the_assignee(team, robot_sim):
    conversation = waiting(team, 125, assignee=team.agent)
    first_response_scan()
    robot_deliver(robot_id=team.wecom.pk)
    robot_deliver(robot_id=team.dingtalk.pk)
    messages = robot_sim.sim.messages()
    assert {m["kind"] for m in messages} == {"wecom", "dingtalk"}
    wecom = next(m for m in messages if m["kind"] == "wecom")
    assert "@meiwx" in wecom["mentions"] and "MY Gadgets" in wecom["text"]
    assert f"/console/#c{conversation.pk}" in wecom["text"]
    ding = next(m for m in messages if m["kind"] == "dingtalk")
    assert "@13800000001" in ding["mentions"]


def test_a_breach_hands_an_unassigned_conversation_to_an_available_agent(team):
    from alerts.services.escalation import breaches_escalate
    from automation.models import AgentProfile
    from automation.services.routing import agent_profile_get
    from chat.models import ConversationFact
    from chat.services.inbox.presence import agent_presence_change

    conversation = waiting(team, 181)
    agent_presence_change(user=team.agent, shop_ids={team.shop.pk}, delta=1)  # console open
    profile = agent_profile_get(user=team.agent)
    AgentProfile.objects.filter(pk=profile.pk).update(
        chosen_status="online", last_activity_at=timezone.now()
    )
    raised = first_response_scan()
    assert breaches_escalate(raised) == 1
    conversation.refresh_from_db()
    assert conversation.assignee == team.agent
    fact = ConversationFact.objects.get(conversation=conversation, kind="assigned")
    assert fact.agent_id == team.agent.pk and fact.actor_id is None  # the system did it


def test_a_group_can_keep_breaches_where_they_are(team):
    from alerts.services.escalation import breaches_escalate

    GroupAlertPolicy.objects.filter(group=team.group).update(reassign_on_breach=False)
    conversation = waiting(team, 181)
    assert breaches_escalate(first_response_scan()) == 0
    conversation.refresh_from_db()
    assert conversation.assignee is None
