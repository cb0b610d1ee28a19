"""Routing: who should answer a conversation.

INTERFACE (stable): `conversation_route`.

An agent is AVAILABLE when their console is open (chat's presence count in the cache), they
have not chosen "away", they acted within ROUTING_AWAY_AFTER_MINUTES, and their load is under
their capacity. LOAD = the conversations with status open assigned to them (whether or not the
buyer waits: an open conversation still needs the agent until it is resolved).

Each assignment runs in its own short transaction: a PostgreSQL advisory lock per group
serialises the group's queue, the oldest unassigned conversation is taken FOR UPDATE SKIP
LOCKED, and the chosen agent's profile row is locked while their load is recounted, so no agent
goes over capacity even when two groups share them, and a conversation is never assigned twice.
One profile lock per transaction keeps the lock order fixed (group, then one agent): no deadlock.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from automation.models import AgentProfile, GroupRouting
from chat.models import AgentGroup, Conversation, ConversationFact, Message
from chat.services.inbox.conversations import conversation_assign, conversation_group_set
from chat.services.inbox.presence import agent_online

logger = logging.getLogger(__name__)

ONLINE, AWAY, OFFLINE = "online", "away", "offline"
ADVISORY_NAMESPACE = 19_007  # the first key of pg_advisory_xact_lock(int, int): routing's locks


def _away_after() -> timedelta:
    return timedelta(minutes=getattr(settings, "ROUTING_AWAY_AFTER_MINUTES", 5))


def _activity_throttle() -> timedelta:
    return timedelta(seconds=getattr(settings, "ROUTING_ACTIVITY_THROTTLE_SECONDS", 30))


# -- status ------------------------------------------------------------------------------------


def agent_profile_get(*, user) -> AgentProfile:
    profile, _ = AgentProfile.objects.get_or_create(user=user)
    return profile


def agent_status(*, profile: AgentProfile, now: datetime | None = None) -> str:
    """online, away or offline (see the module docstring)."""
    now = now or timezone.now()
    if not agent_online(user_id=profile.user_id):
        return OFFLINE
    if profile.chosen_status == AgentProfile.Chosen.AWAY:
        return AWAY
    if profile.last_activity_at is None or now - profile.last_activity_at >= _away_after():
        return AWAY
    return ONLINE


def agent_activity_touch(*, user, now: datetime | None = None) -> bool:
    """Record a console action or heartbeat (throttled: at most one write per throttle period).
    Returns whether it wrote. An agent coming back from inactivity triggers a drain."""
    now = now or timezone.now()
    profile = agent_profile_get(user=user)
    if profile.last_activity_at and now - profile.last_activity_at < _activity_throttle():
        return False
    was_idle = profile.last_activity_at is None or now - profile.last_activity_at >= _away_after()
    AgentProfile.objects.filter(pk=profile.pk).update(last_activity_at=now)
    if was_idle:
        agent_groups_drain(user=user, now=now)
    return True


def agent_status_choose(
    *, user, status: str, now: datetime | None = None, drain: bool = True
) -> AgentProfile:
    """The agent's own switch: online or away. Going online also counts as activity and drains
    the agent's groups (`drain=False`: the caller queues the drain instead)."""
    if status not in AgentProfile.Chosen.values:
        raise ValueError(f"Unknown status {status!r}: choose online or away.")
    now = now or timezone.now()
    profile = agent_profile_get(user=user)
    profile.chosen_status = status
    profile.last_activity_at = now
    profile.save(update_fields=["chosen_status", "last_activity_at"])
    if drain and status == AgentProfile.Chosen.ONLINE:
        agent_groups_drain(user=user, now=now)
    return profile


def agent_load(*, user_id: int) -> int:
    return Conversation.objects.filter(assignee_id=user_id, status=Conversation.Status.OPEN).count()


# -- choosing an agent -------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    profile: AgentProfile
    load: int


def _needs(conversation: Conversation) -> tuple[str, str]:
    """The language of the latest buyer message and the shop's site."""
    language = (
        Message.objects.filter(conversation_id=conversation.pk, direction=Message.Direction.INBOUND)
        .order_by("-id")
        .values_list("language", flat=True)
        .first()
    ) or ""
    return language, conversation.shop.site


def _matches(profile: AgentProfile, *, language: str, site: str) -> bool:
    if profile.languages and language and language not in profile.languages:
        return False
    return not (profile.sites and site not in profile.sites)


def _candidates(
    *, group: AgentGroup, conversation: Conversation, now: datetime, exclude_id=None
) -> list[Candidate]:
    """Available, matching agents of the group, best first: least loaded, then the one
    assigned least recently (round-robin on ties), then by id for a stable order."""
    language, site = _needs(conversation)
    member_ids = list(group.members.filter(is_active=True).values_list("pk", flat=True))
    for user_id in member_ids:
        AgentProfile.objects.get_or_create(user_id=user_id)
    found = []
    for profile in AgentProfile.objects.filter(user_id__in=member_ids).exclude(user_id=exclude_id):
        if agent_status(profile=profile, now=now) != ONLINE:
            continue
        if not _matches(profile, language=language, site=site):
            continue
        load = agent_load(user_id=profile.user_id)
        if load < profile.capacity:
            found.append(Candidate(profile, load))
    epoch = datetime.min.replace(tzinfo=now.tzinfo)
    found.sort(key=lambda c: (c.load, c.profile.last_assigned_at or epoch, c.profile.user_id))
    return found


def _assign_locked(
    *, conversation: Conversation, candidates: list[Candidate], now: datetime
) -> int | None:
    """Lock each candidate's profile in turn and recount their load; assign to the first still
    under capacity. Runs inside the caller's transaction. Returns the assignee's id."""
    for candidate in candidates:
        profile = AgentProfile.objects.select_for_update().get(pk=candidate.profile.pk)
        if agent_load(user_id=profile.user_id) >= profile.capacity:
            continue
        conversation_assign(conversation=conversation, assignee=profile.user, actor=None)
        AgentProfile.objects.filter(pk=profile.pk).update(last_assigned_at=now)
        return profile.user_id
    return None


def _group_lock(group_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ADVISORY_NAMESPACE, group_id])


def _auto_assign(group: AgentGroup) -> bool:
    settings_row = GroupRouting.objects.filter(group=group).first()
    return settings_row is None or settings_row.auto_assign


def _assign_oldest(*, group: AgentGroup, now: datetime, skipped: set[int]) -> bool:
    """Assign the group's oldest waiting unassigned conversation that some available agent
    matches (one nobody matches is skipped, so it does not block younger ones behind it).
    False: nothing more to do."""
    with transaction.atomic():
        _group_lock(group.pk)
        while True:
            conversation = (
                Conversation.objects.select_for_update(of=("self",), skip_locked=True)
                .select_related("shop")
                .filter(group=group, assignee__isnull=True, status=Conversation.Status.OPEN)
                .exclude(pk__in=skipped)
                .order_by("awaiting_reply_since", "last_message_at", "id")
                .first()
            )
            if conversation is None:
                return False
            candidates = _candidates(group=group, conversation=conversation, now=now)
            if candidates and _assign_locked(
                conversation=conversation, candidates=candidates, now=now
            ):
                return True
            skipped.add(conversation.pk)


def group_drain(*, group: AgentGroup, now: datetime | None = None, limit: int = 200) -> int:
    """Assign waiting conversations of the group, oldest first, while agents are available.
    Returns how many were assigned."""
    if not _auto_assign(group):
        return 0
    now = now or timezone.now()
    assigned = 0
    skipped: set[int] = set()
    while assigned < limit and _assign_oldest(group=group, now=now, skipped=skipped):
        assigned += 1
    return assigned


def agent_groups_drain(*, user, now: datetime | None = None) -> int:
    """An agent came online or freed capacity: drain each of their groups."""
    return sum(group_drain(group=group, now=now) for group in user.agent_groups.all())


def routing_drain_all(*, now: datetime | None = None) -> int:
    """The periodic scan: drain every group that has an unassigned open conversation."""
    group_ids = (
        Conversation.objects.filter(
            assignee__isnull=True, status=Conversation.Status.OPEN, group__isnull=False
        )
        .values_list("group_id", flat=True)
        .distinct()
    )
    return sum(group_drain(group=g, now=now) for g in AgentGroup.objects.filter(pk__in=group_ids))


# -- the interface -----------------------------------------------------------------------------


def conversation_route(*, conversation, group=None, reason: str = ""):
    """Hand the conversation to a human: move it to `group` if given, then assign the group's
    waiting conversations oldest first to the least-loaded available agents. Returns this
    conversation's assignee, or None when it waits in the group's queue."""
    if group is not None:
        conversation = conversation_group_set(conversation=conversation, group=group)
    conversation.refresh_from_db(fields=["group", "assignee", "status"])
    if conversation.assignee_id is None and conversation.group_id is not None:
        group_drain(group=conversation.group)
        conversation.refresh_from_db(fields=["assignee"])
    logger.info(
        "conversation %s routed (%s): assignee %s",
        conversation.pk,
        reason,
        conversation.assignee_id,
    )
    return conversation.assignee


# -- reassignment ------------------------------------------------------------------------------


def _last_assignment_at(conversation_id: int):
    return (
        ConversationFact.objects.filter(
            conversation_id=conversation_id,
            kind__in=[ConversationFact.Kind.ASSIGNED, ConversationFact.Kind.TRANSFERRED],
        )
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )


def reassign_scan(*, now: datetime | None = None) -> int:
    """Reassign conversations whose buyer has waited longer than the group's reassign time
    since both the buyer's message and the last assignment (the assignee has not replied), and
    waiting conversations of an agent who is away or offline. The old assignee keeps the
    conversation when nobody else is available. Returns how many were transferred."""
    now = now or timezone.now()
    moved = 0
    for routing in GroupRouting.objects.filter(auto_assign=True, reassign_after_seconds__gt=0):
        moved += _reassign_group(routing=routing, now=now)
    return moved


def _reassign_group(*, routing: GroupRouting, now: datetime) -> int:
    limit = now - timedelta(seconds=routing.reassign_after_seconds)
    waiting = (
        Conversation.objects.select_related("shop", "group")
        .filter(
            group_id=routing.group_id,
            status=Conversation.Status.OPEN,
            assignee__isnull=False,
            awaiting_reply_since__isnull=False,
        )
        .order_by("awaiting_reply_since")
    )
    moved = 0
    for conversation in waiting:
        assignee = agent_profile_get(user=conversation.assignee)
        assignee_gone = agent_status(profile=assignee, now=now) != ONLINE
        last = _last_assignment_at(conversation.pk)
        overdue = conversation.awaiting_reply_since <= limit and (last is None or last <= limit)
        if not (overdue or assignee_gone):
            continue
        with transaction.atomic():
            _group_lock(routing.group_id)
            locked = (
                Conversation.objects.select_for_update(of=("self",), skip_locked=True)
                .select_related("shop")
                .filter(pk=conversation.pk, assignee_id=conversation.assignee_id)
                .first()
            )
            if locked is None:
                continue
            candidates = _candidates(
                group=routing.group, conversation=locked, now=now, exclude_id=locked.assignee_id
            )
            if _assign_locked(conversation=locked, candidates=candidates, now=now):
                moved += 1
    return moved


# -- console -----------------------------------------------------------------------------------


def team_statuses(*, user, now: datetime | None = None) -> list[dict]:
    """The statuses and loads of the agents sharing a group with `user` (the console's team
    panel and the transfer picker, which warns when a target is at capacity)."""
    now = now or timezone.now()
    member_ids = set(
        AgentGroup.members.through.objects.filter(
            agentgroup_id__in=user.agent_groups.values("pk")
        ).values_list("user_id", flat=True)
    )
    rows = []
    for user_id in sorted(member_ids):
        profile, _ = AgentProfile.objects.select_related("user").get_or_create(user_id=user_id)
        rows.append(
            {
                "user_id": user_id,
                "name": profile.user.get_full_name() or profile.user.get_username(),
                "status": agent_status(profile=profile, now=now),
                "load": agent_load(user_id=user_id),
                "capacity": profile.capacity,
            }
        )
    return rows
