"""The console's side of routing: the team panel, the agent's own status switch and heartbeat,
manual transfers, and the live `automation.agent_status` event.

The event carries the agent's status, load and capacity. It goes to the shop groups of the
agent's agent groups (as chat.agent_presence does), so every teammate's console sees it; a
transfer publishes it for both agents, since their loads changed.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone

from automation.services.routing import (
    agent_activity_touch,
    agent_load,
    agent_profile_get,
    agent_status,
    agent_status_choose,
    conversation_route,
)
from chat.enqueue import enqueue_on_commit
from chat.models import AgentGroup, Conversation
from chat.selectors import visible_shop_ids
from chat.services.inbox.conversations import conversation_assign
from shopee_cs.realtime import publish_on_commit, shop_group

AGENT_STATUS_EVENT = "automation.agent_status"
AGENT_DRAIN_TASK = "automation.routing_agent_drain"


class TransferRefused(ValueError):
    """A transfer target that cannot take this conversation (APIs answer 400)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class TransferResult:
    conversation: Conversation
    over_capacity: bool


def team_groups_for_user(*, user):
    """The agent groups whose team the user sees: their own; an admin sees every group."""
    if visible_shop_ids(user) is None:
        return AgentGroup.objects.all()
    return user.agent_groups.all()


def agent_row(*, user, now=None) -> dict:
    profile = agent_profile_get(user=user)
    return {
        "user_id": user.pk,
        "name": user.get_full_name() or user.get_username(),
        "status": agent_status(profile=profile, now=now or timezone.now()),
        "load": agent_load(user_id=user.pk),
        "capacity": profile.capacity,
        "languages": list(profile.languages),
        "sites": list(profile.sites),
    }


def team_for_user(*, user, now=None) -> list[dict]:
    """The agents of the user's groups (admin: of every group), with status, load, capacity,
    languages, sites and the ids of their groups the user sees; by name."""
    now = now or timezone.now()
    groups = team_groups_for_user(user=user).prefetch_related("members")
    members: dict[int, tuple] = {}
    for group in groups:
        for member in group.members.all():
            if member.is_active:
                members.setdefault(member.pk, (member, []))[1].append(group.pk)
    rows = [
        {**agent_row(user=member, now=now), "groups": sorted(group_ids)}
        for member, group_ids in members.values()
    ]
    return sorted(rows, key=lambda r: (r["name"].casefold(), r["user_id"]))


def agent_status_publish(*, user) -> None:
    """Tell the consoles of the agent's teams their status and load (after the commit)."""
    shop_ids = set(
        AgentGroup.shops.through.objects.filter(
            agentgroup_id__in=user.agent_groups.values("pk")
        ).values_list("shop_id", flat=True)
    )
    row = agent_row(user=user)
    for shop_id in sorted(shop_ids):
        publish_on_commit(
            shop_group(shop_id), {"type": AGENT_STATUS_EVENT, **row, "shop_id": shop_id}
        )


def agent_status_set(*, user, status: str) -> dict:
    """The console's switch. Going online drains the agent's groups in the background (a drain
    can assign many conversations: the request does not wait for it)."""
    agent_status_choose(user=user, status=status, drain=False)
    if status == "online":
        enqueue_on_commit(AGENT_DRAIN_TASK, user.pk)
    agent_status_publish(user=user)
    return agent_row(user=user)


def agent_heartbeat(*, user) -> None:
    """Console input: activity (throttled); an agent back from inactivity is announced."""
    profile = agent_profile_get(user=user)
    before = agent_status(profile=profile)
    if agent_activity_touch(user=user) and before != "online":
        agent_status_publish(user=user)


def _shop_groups(conversation: Conversation):
    return AgentGroup.objects.filter(shops=conversation.shop_id)


def conversation_transfer(*, conversation: Conversation, actor, agent_id=None, group_id=None):
    """A human transfer: to an agent of a group covering the conversation's shop (allowed over
    capacity, the result says so), or to another such group (routing then assigns it to an
    available agent of that group, or it waits in that group's queue)."""
    if (agent_id is None) == (group_id is None):
        raise TransferRefused("non_field_errors", "Give either an agent or a group.")
    if group_id is not None:
        group = _shop_groups(conversation).filter(pk=group_id).first()
        if group is None:
            raise TransferRefused("group", "No agent group with this id covers this shop.")
        previous = conversation.assignee
        if conversation.assignee_id is not None:
            # Out of the current agent's hands: the new group's routing picks the agent.
            conversation = conversation_assign(
                conversation=conversation, assignee=None, actor=actor
            )
        conversation_route(conversation=conversation, group=group, reason="transfer")
        conversation.refresh_from_db()
        for user in {u for u in (previous, conversation.assignee) if u is not None}:
            agent_status_publish(user=user)
        return TransferResult(conversation, over_capacity=False)
    target = (
        _shop_groups(conversation)
        .filter(members__pk=agent_id, members__is_active=True)
        .values_list("members__pk", flat=True)
        .first()
    )
    if target is None:
        raise TransferRefused("agent", "No active agent with this id works in this shop's groups.")
    profile = agent_profile_get(user=get_user_model().objects.get(pk=target))
    previous = conversation.assignee
    already = conversation.assignee_id == target
    over = not already and agent_load(user_id=target) >= profile.capacity
    conversation = conversation_assign(
        conversation=conversation, assignee=profile.user, actor=actor
    )
    for user in {u for u in (previous, profile.user) if u is not None}:
        agent_status_publish(user=user)
    return TransferResult(conversation, over_capacity=over)
