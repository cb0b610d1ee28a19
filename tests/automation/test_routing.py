"""Routing: agent status, least-loaded assignment, round-robin, matching, capacity, queue and
drain, reassignment, manual transfer, and 20 concurrent arrivals."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from automation.models import AgentProfile, GroupRouting
from automation.services.routing import (
    agent_activity_touch,
    agent_status,
    agent_status_choose,
    conversation_route,
    reassign_scan,
    team_statuses,
)
from chat.models import Conversation, ConversationFact
from chat.services.inbox.conversations import conversation_assign
from chat.services.inbox.presence import agent_presence_change
from tests.factories import (
    AgentGroupFactory,
    ConversationFactory,
    MessageFactory,
    ShopFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _agent(group, *, capacity=8, online=True, languages=(), sites=(), now=None):
    user = UserFactory()
    group.members.add(user)
    AgentProfile.objects.create(
        user=user,
        capacity=capacity,
        languages=list(languages),
        sites=list(sites),
        last_activity_at=now or timezone.now(),
    )
    if online:
        agent_presence_change(user=user, shop_ids=set(), delta=1)
    return user


def _waiting(group, *, language="", age_seconds=60, shop=None):
    since = timezone.now() - timedelta(seconds=age_seconds)
    conversation = ConversationFactory(
        shop=shop or group.shops.first(), group=group, awaiting_reply_since=since
    )
    MessageFactory(conversation=conversation, language=language)
    return conversation


@pytest.fixture
def group():
    return AgentGroupFactory(shops=[ShopFactory()])


def test_status_online_away_after_inactivity_and_offline(group):
    now = timezone.now()
    agent = _agent(group, now=now)
    profile = AgentProfile.objects.get(user=agent)
    assert agent_status(profile=profile, now=now + timedelta(minutes=4)) == "online"
    assert agent_status(profile=profile, now=now + timedelta(minutes=5)) == "away"
    agent_presence_change(user=agent, shop_ids=set(), delta=-1)
    assert agent_status(profile=profile, now=now) == "offline"


def test_chosen_away_and_back_online(group):
    agent = _agent(group)
    profile = agent_status_choose(user=agent, status="away")
    assert agent_status(profile=profile) == "away"
    profile = agent_status_choose(user=agent, status="online")
    assert agent_status(profile=profile) == "online"


def test_unknown_status_is_refused(group):
    agent = _agent(group)
    with pytest.raises(ValueError, match="online or away"):
        agent_status_choose(user=agent, status="busy")
    assert AgentProfile.objects.get(user=agent).chosen_status == "online"


def test_activity_is_throttled(group):
    now = timezone.now()
    agent = _agent(group, now=now)
    assert agent_activity_touch(user=agent, now=now + timedelta(seconds=5)) is False
    assert agent_activity_touch(user=agent, now=now + timedelta(seconds=31)) is True


def test_least_loaded_agent_gets_it_with_a_system_assigned_fact(group):
    busy = _agent(group)
    free = _agent(group)
    ConversationFactory(shop=group.shops.first(), group=group, assignee=busy)
    conversation = _waiting(group)
    assert conversation_route(conversation=conversation, reason="test") == free
    fact = ConversationFact.objects.get(conversation=conversation, kind="assigned")
    assert fact.agent_id == free.pk
    assert fact.actor_id is None


def test_round_robin_on_ties(group):
    first = _agent(group)
    second = _agent(group)
    a = conversation_route(conversation=_waiting(group, age_seconds=30))
    # Resolve a's conversation so both are at load 0 again: the other one is next.
    Conversation.objects.filter(assignee=a).update(status="resolved")
    b = conversation_route(conversation=_waiting(group, age_seconds=20))
    assert {a, b} == {first, second}


def test_language_and_site_are_matched(group):
    _agent(group, languages=["th"])
    vi_agent = _agent(group, languages=["vi"], sites=["VN", "MY"])
    _agent(group, sites=["TH"])
    conversation = _waiting(group, language="vi")
    assert conversation_route(conversation=conversation) == vi_agent


def test_nobody_matching_leaves_it_queued_without_blocking_younger_ones(group):
    th_agent = _agent(group, languages=["th"])
    old = _waiting(group, language="vi", age_seconds=300)
    young = _waiting(group, language="th", age_seconds=10)
    assert conversation_route(conversation=old) is None
    young.refresh_from_db()
    assert young.assignee == th_agent


def test_capacity_is_respected_then_queue_drains_when_an_agent_comes_online(group):
    agent = _agent(group, capacity=1)
    first = _waiting(group, age_seconds=100)
    second = _waiting(group, age_seconds=50)
    assert conversation_route(conversation=first) == agent
    assert conversation_route(conversation=second) is None
    late = _agent(group, online=False)
    agent_presence_change(user=late, shop_ids=set(), delta=1)
    agent_status_choose(user=late, status="online")
    second.refresh_from_db()
    assert second.assignee == late


def test_oldest_waiting_is_assigned_first(group):
    _agent(group, online=False)
    young = _waiting(group, age_seconds=10)
    old = _waiting(group, age_seconds=500)
    conversation_route(conversation=young)
    agent = _agent(group, capacity=1)
    conversation_route(conversation=young)
    old.refresh_from_db()
    young.refresh_from_db()
    assert (old.assignee, young.assignee) == (agent, None)


def test_away_or_offline_agents_get_nothing(group):
    away = _agent(group)
    agent_status_choose(user=away, status="away")
    _agent(group, online=False)
    assert conversation_route(conversation=_waiting(group)) is None


def test_auto_assign_off_leaves_it_queued(group):
    _agent(group)
    GroupRouting.objects.create(group=group, auto_assign=False)
    assert conversation_route(conversation=_waiting(group)) is None


def test_route_to_another_group_moves_it_then_assigns(group):
    other = AgentGroupFactory(shops=[group.shops.first()])
    target = _agent(other)
    conversation = _waiting(group)
    assert conversation_route(conversation=conversation, group=other) == target
    conversation.refresh_from_db()
    assert conversation.group == other


def test_reassignment_after_timeout_is_a_transfer(group):
    GroupRouting.objects.create(group=group, reassign_after_seconds=120)
    slow = _agent(group)
    conversation = _waiting(group, age_seconds=10)
    assert conversation_route(conversation=conversation) == slow
    other = _agent(group)
    now = timezone.now()
    assert reassign_scan(now=now) == 0  # not overdue yet
    later = now + timedelta(seconds=121)
    for user in (slow, other):
        AgentProfile.objects.filter(user=user).update(last_activity_at=later)
    assert reassign_scan(now=later) == 1
    fact = ConversationFact.objects.get(conversation=conversation, kind="transferred")
    assert (fact.from_agent_id, fact.agent_id, fact.actor_id) == (slow.pk, other.pk, None)


def test_no_reassignment_when_nobody_else_is_available(group):
    GroupRouting.objects.create(group=group, reassign_after_seconds=60)
    only = _agent(group)
    conversation = _waiting(group, age_seconds=10)
    conversation_route(conversation=conversation)
    later = timezone.now() + timedelta(seconds=61)
    AgentProfile.objects.filter(user=only).update(last_activity_at=later)
    assert reassign_scan(now=later) == 0
    conversation.refresh_from_db()
    assert conversation.assignee == only


def test_manual_transfer_is_a_transferred_fact_and_team_shows_loads(group):
    supervisor = _agent(group)
    a = _agent(group, capacity=1)
    b = _agent(group, capacity=1)
    conversation = _waiting(group)
    conversation_assign(conversation=conversation, assignee=a, actor=supervisor)
    conversation_assign(conversation=conversation, assignee=b, actor=supervisor)
    fact = ConversationFact.objects.get(conversation=conversation, kind="transferred")
    assert (fact.from_agent_id, fact.agent_id, fact.actor_id) == (a.pk, b.pk, supervisor.pk)
    rows = {row["user_id"]: row for row in team_statuses(user=supervisor)}
    assert (rows[b.pk]["load"], rows[b.pk]["capacity"], rows[b.pk]["status"]) == (1, 1, "online")


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_arrivals_respect_capacity_and_assign_once():
    group = AgentGroupFactory(shops=[ShopFactory()])
    agents = [_agent(group, capacity=3) for _ in range(5)]  # room for 15 of 20
    conversations = [_waiting(group, age_seconds=100 - i) for i in range(20)]
    barrier = threading.Barrier(20)
    errors = []

    def arrive(conversation):
        try:
            barrier.wait()
            conversation_route(conversation=conversation, reason="concurrency")
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=arrive, args=(c,)) for c in conversations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for agent in agents:
        assert Conversation.objects.filter(assignee=agent).count() == 3
    assert Conversation.objects.filter(assignee__isnull=True).count() == 5
    assigned = ConversationFact.objects.filter(kind="assigned")
    assert assigned.count() == 15
    assert assigned.values("conversation_id").distinct().count() == 15


def test_resolving_frees_capacity_and_drains_the_queue(group, django_capture_on_commit_callbacks):
    from chat.services.inbox.conversations import conversation_resolve

    agent = _agent(group, capacity=1)
    first = _waiting(group, age_seconds=100)
    second = _waiting(group, age_seconds=50)
    assert conversation_route(conversation=first) == agent
    assert conversation_route(conversation=second) is None
    with django_capture_on_commit_callbacks(execute=True):
        conversation_resolve(conversation=first, actor=agent)
    second.refresh_from_db()
    assert second.assignee == agent
