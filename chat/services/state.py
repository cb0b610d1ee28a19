"""The conversation state machine: the only code that moves a conversation's clocks and status,
and the only writer of its history (chat.models.ConversationFact).

The state is a pure fold, `step(clock, event) -> (clock, facts)`, over the conversation's
timeline: its messages in marketplace order (platform time, then id), each followed by the agent
actions taken while it was the latest (an action fact's `after_message_id`). The conversation's
clock fields ARE the fold's state, so:

- a message that sorts after every stored one (the live case) steps the fold once, from the
  conversation's fields, and appends that step's facts in the same round trip as the update;
- a message that sorts earlier (pulled late, or acknowledged in the same second as another)
  replays the whole timeline: the conversation's message facts are replaced by the replay's and
  its clock fields set from it. Agent-action facts are never changed.

So the facts always equal a replay of the stored timeline, whatever order messages arrived in,
and the only rows ever removed are message facts superseded by a late message.
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from chat.models import Conversation, ConversationFact, Message
from chat.services.publish import conversation_event, write_and_publish
from chat.signals import (
    conversation_assigned,
    conversation_reopened,
    conversation_resolved,
    reply_sent,
)
from integrations import types
from shopee_cs.db import Statement, execute_together, insert_rows_statement, save_fields_statement

Kind = ConversationFact.Kind
SenderKind = Message.SenderKind
OPEN, RESOLVED = Conversation.Status.OPEN, Conversation.Status.RESOLVED

PREVIEW_LENGTH = 255
# The conversation's fields that are the fold's state (only this module assigns them).
CLOCK_FIELDS = ("status", "awaiting_reply_since", "last_buyer_message_at", "last_seller_message_at")
# What storing a message may change on its conversation, in the order of the batch UPDATE's arrays.
CONVERSATION_FIELDS_MESSAGES_CHANGE = (
    "buyer_name",
    "last_message_at",
    "last_message_preview",
    "awaiting_reply_since",
    "last_buyer_message_at",
    "last_seller_message_at",
    "unread_count",
    "status",
    "updated_at",
)
ASSIGNMENT_KINDS = (Kind.ASSIGNED, Kind.TRANSFERRED, Kind.UNASSIGNED)


def sender_kind_of(message: types.Message) -> tuple[str, str]:
    """A marketplace message's (sender kind, direction): a seller message is the shop's
    auto-reply or one typed in the marketplace's seller tools (our own sends are matched
    before this)."""
    if message.sender == types.SenderRole.BUYER:
        return SenderKind.BUYER, Message.Direction.INBOUND
    if message.sender == types.SenderRole.SELLER:
        kind = SenderKind.AUTO if message.is_auto_reply else SenderKind.OUTSIDE
        return kind, Message.Direction.OUTBOUND
    return SenderKind.SYSTEM, Message.Direction.INBOUND


def message_preview(message: "types.Message | Message") -> str:
    """The conversation list's line for a message: its text, or its kind ("[image]")."""
    kind = getattr(message.kind, "value", message.kind)
    return message.text[:PREVIEW_LENGTH] if message.text else f"[{kind}]"


# -- the fold -------------------------------------------------------------------------------


class Clock(NamedTuple):
    """The fold's state (a tuple: the fold steps once per pulled message, and a frozen
    dataclass's replace cost more than the rest of the step, BM3)."""

    status: str = OPEN
    awaiting_reply_since: datetime | None = None  # the first buyer message nobody answered yet
    last_buyer_message_at: datetime | None = None
    last_seller_message_at: datetime | None = None  # the last human reply (here or elsewhere)
    assignee_id: int | None = None

    @classmethod
    def of(cls, conversation: Conversation) -> "Clock":
        return cls(
            status=conversation.status,
            awaiting_reply_since=conversation.awaiting_reply_since,
            last_buyer_message_at=conversation.last_buyer_message_at,
            last_seller_message_at=conversation.last_seller_message_at,
            assignee_id=conversation.assignee_id,
        )

    def write_to(self, conversation: Conversation) -> None:
        conversation.status = self.status
        conversation.awaiting_reply_since = self.awaiting_reply_since
        conversation.last_buyer_message_at = self.last_buyer_message_at
        conversation.last_seller_message_at = self.last_seller_message_at


@dataclass(frozen=True)
class TimelineMessage:
    id: int
    at: datetime  # the marketplace's time
    sender_kind: str
    sender_user_id: int | None = None

    @classmethod
    def of(cls, row: Message) -> "TimelineMessage":
        return cls(row.pk, row.platform_created_at, row.sender_kind, row.sender_user_id)


@dataclass(frozen=True)
class Scope:
    """What every fact of one conversation carries."""

    shop_id: int
    conversation_id: int
    group_id: int | None

    @classmethod
    def of(cls, conversation: Conversation) -> "Scope":
        return cls(conversation.shop_id, conversation.pk, conversation.group_id)

    def fact(self, kind: str, occurred_at: datetime, **values) -> "Fact":
        return Fact(self.shop_id, self.conversation_id, self.group_id, kind, occurred_at, **values)


class Fact(NamedTuple):
    """A ConversationFact's values: the fold makes one or two per message, and a model
    instance costs ten times more to build (BM3)."""

    shop_id: int
    conversation_id: int
    group_id: int | None
    kind: str
    occurred_at: datetime
    message_id: int | None = None
    agent_id: int | None = None
    from_agent_id: int | None = None
    actor_id: int | None = None
    wait_ms: int | None = None
    first_response: bool = False
    starts_wait: bool = False
    after_message_id: int | None = None

    def row(self) -> ConversationFact:
        return ConversationFact(**self._asdict())


def _later(current: datetime | None, at: datetime) -> datetime:
    return at if current is None or at > current else current


def _ms(delta) -> int:
    return int(delta.total_seconds() * 1000)


def step(
    clock: Clock, event: "TimelineMessage | ConversationFact", scope: Scope
) -> tuple[Clock, list[Fact]]:
    """One event of the timeline: the next state and the facts it makes. An agent action
    arrives as its own (already recorded) fact: only its effect is applied."""
    if isinstance(event, ConversationFact):
        return _action_effect(clock, event), []
    m = event
    if m.sender_kind == SenderKind.BUYER:
        facts = []
        if clock.status == RESOLVED:  # the buyer wrote again: reopened, by no one
            facts.append(
                scope.fact(Kind.REOPENED, m.at, message_id=m.id, agent_id=clock.assignee_id)
            )
        starts = clock.awaiting_reply_since is None
        facts.append(
            scope.fact(
                Kind.BUYER_MESSAGE,
                m.at,
                message_id=m.id,
                agent_id=clock.assignee_id,
                starts_wait=starts,
            )
        )
        # Built whole: the hot step of a pull-sync (Clock._replace costs twice as much).
        return Clock(
            OPEN,
            m.at if starts else clock.awaiting_reply_since,
            _later(clock.last_buyer_message_at, m.at),
            clock.last_seller_message_at,
            clock.assignee_id,
        ), facts
    if m.sender_kind in (SenderKind.AGENT, SenderKind.OUTSIDE):
        # A human reply, here or in the marketplace's seller tools (agent unknown): it ends
        # the wait.
        ours = m.sender_kind == SenderKind.AGENT
        since = clock.awaiting_reply_since
        reply = scope.fact(
            Kind.AGENT_REPLY if ours else Kind.OUTSIDE_REPLY,
            m.at,
            message_id=m.id,
            agent_id=m.sender_user_id if ours else None,
            actor_id=m.sender_user_id if ours else None,
            wait_ms=None if since is None else _ms(m.at - since),
            first_response=clock.last_seller_message_at is None,
        )
        return Clock(
            clock.status,
            None,
            clock.last_buyer_message_at,
            _later(clock.last_seller_message_at, m.at),
            clock.assignee_id,
        ), [reply]
    # An auto-reply answers no one: the marketplace's response rate excludes it.
    if m.sender_kind == SenderKind.AUTO:
        return clock, [
            scope.fact(Kind.AUTO_REPLY, m.at, message_id=m.id, agent_id=clock.assignee_id)
        ]
    return clock, []  # a system notice changes nothing


def _action_effect(clock: Clock, fact: ConversationFact) -> Clock:
    if fact.kind in ASSIGNMENT_KINDS:
        return clock._replace(assignee_id=fact.agent_id)
    if fact.kind == Kind.RESOLVED:  # resolving ends a wait without a reply
        return clock._replace(status=RESOLVED, awaiting_reply_since=None)
    if fact.kind == Kind.REOPENED:
        return clock._replace(status=OPEN)
    return clock


def timeline(
    messages: list[TimelineMessage], actions: list[ConversationFact]
) -> list["TimelineMessage | ConversationFact"]:
    """Messages in marketplace order, each followed by the actions taken while it was the latest
    (in the order they were taken); actions from before any message come first."""
    after = defaultdict(list)
    for action in sorted(actions, key=lambda a: a.pk):
        after[action.after_message_id].append(action)
    ordered = list(after.pop(None, []))
    for message in sorted(messages, key=lambda m: (m.at, m.id)):
        ordered.append(message)
        ordered += after.pop(message.id, [])
    return ordered + [a for rest in after.values() for a in rest]  # anchors no longer stored


def replay(
    messages: list[TimelineMessage], actions: list[ConversationFact], scope: Scope
) -> tuple[Clock, list[Fact]]:
    """The fold over a whole timeline, from a new conversation's state."""
    clock, facts = Clock(), []
    for event in timeline(messages, actions):
        clock, made = step(clock, event, scope)
        facts += made
    return clock, facts


# -- writes ---------------------------------------------------------------------------------


@dataclass
class Change:
    """The statements that record a change (run them in its transaction, e.g. as the `writes` of
    write_and_publish) and the new facts, announced upward by `announce` after the commit."""

    statements: list[Statement] = field(default_factory=list)
    facts: list[ConversationFact] = field(default_factory=list)

    def announce(self, conversation: Conversation) -> None:
        for fact in self.facts:
            signal = signal_for.get(fact.kind)
            if signal is not None and signal.has_listeners(ConversationFact):
                transaction.on_commit(
                    lambda s=signal, f=fact: s.send(
                        sender=ConversationFact, fact=f, conversation=conversation
                    ),
                    robust=True,
                )


# The upward signal of each fact kind that has one (chat.signals).
signal_for = {
    Kind.AGENT_REPLY: reply_sent,
    Kind.OUTSIDE_REPLY: reply_sent,
    Kind.ASSIGNED: conversation_assigned,
    Kind.TRANSFERRED: conversation_assigned,
    Kind.UNASSIGNED: conversation_assigned,
    Kind.RESOLVED: conversation_resolved,
    Kind.REOPENED: conversation_reopened,
}


def _facts_insert(facts: list[Fact]) -> tuple[list[Statement], list[ConversationFact]]:
    """The statement that inserts the facts, and their rows (which it gives their ids)."""
    rows = [fact.row() for fact in facts]
    return ([insert_rows_statement(rows)] if rows else []), rows


_MESSAGE_FACTS_DELETE = (
    f"DELETE FROM {ConversationFact._meta.db_table}"  # noqa: S608 (model names only)
    " WHERE conversation_id = %s AND message_id IS NOT NULL"
)


def _stored_timeline(conversation_ids: list[int], *, leave_out: int | None = None):
    """The stored messages (with a marketplace time) and the action facts of conversations."""
    messages = defaultdict(list)
    rows = (
        Message.objects.filter(
            conversation_id__in=conversation_ids, platform_created_at__isnull=False
        )
        .exclude(pk=leave_out)
        .values_list(
            "conversation_id", "pk", "platform_created_at", "sender_kind", "sender_user_id"
        )
    )
    for conversation_id, *values in rows:
        messages[conversation_id].append(TimelineMessage(*values))
    actions = defaultdict(list)
    for fact in ConversationFact.objects.filter(
        conversation_id__in=conversation_ids, message__isnull=True
    ):
        actions[fact.conversation_id].append(fact)
    return messages, actions


def _replay_stored(conversation: Conversation, *, with_message: TimelineMessage | None = None):
    """Replay the conversation's stored timeline (plus `with_message`, whose row is not written
    yet): its clock fields are set; returns the statements that replace its message facts."""
    messages, actions = _stored_timeline(
        [conversation.pk], leave_out=with_message.id if with_message else None
    )
    timeline_messages = messages[conversation.pk] + ([with_message] if with_message else [])
    recorded = actions[conversation.pk] or _actions_found(conversation)
    clock, facts = replay(timeline_messages, recorded, Scope.of(conversation))
    clock.write_to(conversation)
    insert, derived = _facts_insert([f for f in facts if f.message_id is not None])
    delete = Statement(_MESSAGE_FACTS_DELETE, [conversation.pk], lambda cursor: None)
    return [delete, *insert], derived


def _display(conversation: Conversation, at: datetime, preview: str, sender_kind: str) -> None:
    if conversation.last_message_at is None or at >= conversation.last_message_at:
        conversation.last_message_at = at
        conversation.last_message_preview = preview[:PREVIEW_LENGTH]
    if sender_kind == SenderKind.BUYER:
        conversation.unread_count += 1


def message_recorded(
    conversation: Conversation, row: Message, *, preview: str, new_row: bool
) -> Change:
    """A message took its place in the timeline (stored, or our send acknowledged): the
    conversation's fields move and its facts are appended. `new_row`: the row was inserted just
    now (so it has the conversation's highest id). The conversation is locked."""
    timeline_message = TimelineMessage.of(row)
    at = timeline_message.at
    last = conversation.last_message_at
    in_order = last is None or at > last or (at == last and new_row)
    _display(conversation, at, preview, row.sender_kind)
    if row.sender_kind == SenderKind.SYSTEM:
        writes, facts = [], []
    elif in_order:
        clock, facts = step(Clock.of(conversation), timeline_message, Scope.of(conversation))
        clock.write_to(conversation)
        writes, facts = _facts_insert(facts)
    else:
        writes, derived = _replay_stored(conversation, with_message=timeline_message)
        facts = [f for f in derived if f.message_id == row.pk]  # the others were announced
    update = save_fields_statement(conversation, *CONVERSATION_FIELDS_MESSAGES_CHANGE)
    return Change([update, *writes], facts)


# -- agent actions --------------------------------------------------------------------------


def _latest_message_id(conversation: Conversation) -> int | None:
    return (
        Message.objects.filter(conversation_id=conversation.pk, platform_created_at__isnull=False)
        .order_by("-platform_created_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )


def _action(conversation: Conversation, kind: str, **values) -> Fact:
    """An agent action's fact, placed after the timeline's latest message, and its effect on
    the conversation's fields."""
    fact = Scope.of(conversation).fact(
        kind, timezone.now(), after_message_id=_latest_message_id(conversation), **values
    )
    _action_effect(Clock.of(conversation), fact).write_to(conversation)
    return fact


def conversation_status_changed(conversation: Conversation, *, status: str, actor) -> Change:
    """Resolve or reopen (the caller has checked the transition; the conversation is locked)."""
    kind = Kind.RESOLVED if status == RESOLVED else Kind.REOPENED
    fact = _action(conversation, kind, agent_id=actor.pk, actor_id=actor.pk)
    update = save_fields_statement(conversation, "status", "awaiting_reply_since", "updated_at")
    insert, rows = _facts_insert([fact])
    return Change([update, *insert], rows)


def conversation_assignee_changed(conversation: Conversation, *, assignee, actor) -> Change:
    """Assign, transfer or unassign (the conversation is locked)."""
    before = conversation.assignee_id
    after = assignee.pk if assignee is not None else None
    if before is None:
        kind = Kind.ASSIGNED
    else:
        kind = Kind.UNASSIGNED if after is None else Kind.TRANSFERRED
    # actor None: the system (automatic routing) assigned it.
    actor_id = actor.pk if actor is not None else None
    fact = _action(conversation, kind, agent_id=after, from_agent_id=before, actor_id=actor_id)
    conversation.assignee = assignee
    update = save_fields_statement(conversation, "assignee", "updated_at")
    insert, rows = _facts_insert([fact])
    return Change([update, *insert], rows)


# -- rebuilding -----------------------------------------------------------------------------


def conversation_facts_rebuild(*, conversation_id: int) -> int:
    """Replay one conversation's stored timeline: its message facts are replaced by the
    replay's and its clock fields set from it (idempotent). Returns how many facts it has."""
    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update(of=("self",))
            .select_related("shop")
            .get(pk=conversation_id)
        )
        before = Clock.of(conversation)
        writes, _ = _replay_stored(conversation)
        writes = [save_fields_statement(conversation, *CLOCK_FIELDS), *writes]
        if Clock.of(conversation) == before:
            execute_together(*writes)
        else:  # corrected: the consoles show it at once
            event = conversation_event(conversation=conversation)
            write_and_publish(shop_id=conversation.shop_id, writes=writes, events=[event])
        return ConversationFact.objects.filter(conversation_id=conversation.pk).count()


def _actions_found(conversation: Conversation) -> list[ConversationFact]:
    """A conversation from before the facts has no recorded actions: its assignee is recorded
    as assigned from the start and, if it is resolved, a resolve after its latest message, so
    a replay keeps what it shows (inserted now: the replay orders actions by id)."""
    scope, found = Scope.of(conversation), []
    if conversation.assignee_id is not None:
        found.append(
            scope.fact(Kind.ASSIGNED, conversation.created_at, agent_id=conversation.assignee_id)
        )
    if conversation.status == RESOLVED:
        latest = _latest_message_id(conversation)
        found.append(scope.fact(Kind.RESOLVED, conversation.updated_at, after_message_id=latest))
    insert, rows = _facts_insert(found)
    if insert:
        execute_together(*insert)
    return rows


# -- the pull-sync batch --------------------------------------------------------------------

# A batch's conversations in one UPDATE ... FROM unnest(...), with its facts in the same
# statement: the superseded message facts of replayed conversations deleted, the new ones
# inserted from one JSON document (no extra round trip per batch; BM3).
_FACT_COLUMNS = (
    "shop_id",
    "conversation_id",
    "kind",
    "occurred_at",
    "agent_id",
    "actor_id",
    "group_id",
    "message_id",
    "wait_ms",
    "first_response",
    "starts_wait",
)
BATCH_COLUMNS = (*CONVERSATION_FIELDS_MESSAGES_CHANGE, "synced_until")
CONVERSATIONS_BATCH_UPDATE_SQL = """
WITH superseded AS (
    DELETE FROM chat_conversationfact
    WHERE conversation_id = ANY(%b::bigint[]) AND message_id IS NOT NULL
), added AS (
    INSERT INTO chat_conversationfact (shop_id, conversation_id, kind, occurred_at, recorded_at,
        agent_id, actor_id, group_id, message_id, wait_ms, first_response, starts_wait)
    SELECT (r->>0)::bigint, (r->>1)::bigint, r->>2, (r->>3)::timestamptz, now(),
        (r->>4)::bigint, (r->>5)::bigint, (r->>6)::bigint, (r->>7)::bigint, (r->>8)::bigint,
        (r->>9)::boolean, (r->>10)::boolean
    FROM jsonb_array_elements(%b::jsonb) AS r
)
UPDATE chat_conversation AS c
SET buyer_name = u.bn, last_message_at = u.lm, last_message_preview = u.lp,
    awaiting_reply_since = u.ar, last_buyer_message_at = u.lb,
    last_seller_message_at = u.ls, unread_count = u.uc, status = u.st,
    updated_at = u.ua, synced_until = u.su
FROM unnest(%b::bigint[], %b::text[], %b::timestamptz[], %b::text[],
            %b::timestamptz[], %b::timestamptz[], %b::timestamptz[], %b::integer[],
            %b::text[], %b::timestamptz[], %b::timestamptz[])
    AS u(id, bn, lm, lp, ar, lb, ls, uc, st, ua, su)
WHERE c.id = u.id
"""


@dataclass
class BatchChange:
    conversations: list[Conversation] = field(default_factory=list)
    facts: list[tuple] = field(default_factory=list)  # rows of _FACT_COLUMNS
    replayed: list[int] = field(default_factory=list)

    def params(self) -> list:
        """CONVERSATIONS_BATCH_UPDATE_SQL's parameters (the facts as one JSON document)."""
        return [
            self.replayed,
            Jsonb(self.facts, dumps=json.dumps),
            [c.pk for c in self.conversations],
            *([getattr(c, name) for c in self.conversations] for name in BATCH_COLUMNS),
        ]


def _fact_row(fact: Fact) -> tuple:
    return (
        fact.shop_id,
        fact.conversation_id,
        fact.kind,
        fact.occurred_at.isoformat(),
        fact.agent_id,
        fact.actor_id,
        fact.group_id,
        fact.message_id,
        fact.wait_ms,
        fact.first_response,
        fact.starts_wait,
    )


def messages_recorded_batch(
    stored: list[tuple[Conversation, list[tuple[int, types.Message]]]],
) -> BatchChange:
    """Messages a batch inserted, as (conversation, [(row id, message)]) per conversation, the
    conversations locked: their fields move and their facts are made, for
    CONVERSATIONS_BATCH_UPDATE_SQL. The caller sets the rest (synced_until, updated_at)."""
    change, late = BatchChange(), []
    for conversation, new in stored:
        change.conversations.append(conversation)
        new = sorted(new, key=lambda pair: (pair[1].sent_at, pair[0]))
        last = conversation.last_message_at
        in_order = not new or last is None or new[0][1].sent_at >= last
        events = []
        for pk, message in new:
            sender_kind = sender_kind_of(message)[0]
            _display(conversation, message.sent_at, message_preview(message), sender_kind)
            events.append(TimelineMessage(pk, message.sent_at, sender_kind))
        if not new:
            continue
        if not in_order:
            late.append(conversation)
            continue
        clock, scope = Clock.of(conversation), Scope.of(conversation)
        for event in events:
            clock, facts = step(clock, event, scope)
            change.facts += [_fact_row(f) for f in facts]
        clock.write_to(conversation)
    if late:
        messages, actions = _stored_timeline([c.pk for c in late])
        for conversation in late:
            recorded = actions[conversation.pk] or _actions_found(conversation)
            clock, facts = replay(messages[conversation.pk], recorded, Scope.of(conversation))
            clock.write_to(conversation)
            change.facts += [_fact_row(f) for f in facts if f.message_id is not None]
            change.replayed.append(conversation.pk)
    return change
