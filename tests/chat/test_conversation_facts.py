"""Conversation facts: hand-built timelines, each asserted exactly twice, live (through the
ingestion services, the outbox acknowledgement and the conversation services) and rebuilt from
the stored messages (the management command). Marketplace times are whole seconds, as Shopee's.

A fact is written below as (kind, occurred_at, message, agent, from_agent, actor, wait_ms,
first_response, starts_wait), in the order of occurred_at.
"""

import io
import itertools
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from chat.events import conversation_data
from chat.models import Conversation, ConversationFact, LiveEvent, Message
from chat.services.inbox.conversations import (
    conversation_assign,
    conversation_reopen,
    conversation_resolve,
)
from chat.services.messages import message_ingest
from chat.services.pipeline.bulk_ingest import ConversationBatch, messages_ingest_batch
from chat.services.pipeline.outbox import message_send_reply, outbound_delivery_send
from integrations.shopee.mapping import message_from_shopee
from integrations.shopee.simulator import buyer_message
from integrations.types import Message as PlatformMessage
from integrations.types import MessageKind, SenderRole
from shopee_cs.models import User

pytestmark = pytest.mark.django_db

K = ConversationFact.Kind
SHOP_ID = "100000000000000777"
T = timezone.now().replace(microsecond=0) - timedelta(hours=1)
S = timedelta(seconds=1)


class Between:
    """An agent action's time: ours, taken between two readings of the clock."""

    def __init__(self, start, end):
        self.start, self.end = start, end

    def __eq__(self, other) -> bool:
        return self.start <= other <= self.end

    def __repr__(self) -> str:
        return f"Between({self.start.isoformat()}, {self.end.isoformat()})"


class Timeline:
    """One conversation's messages, written by hand, fed to the real services."""

    def __init__(self, shop, conversation_id: str = "9007199254740999", buyer: str = "900719"):
        self.shop, self.conversation_id, self.buyer = shop, conversation_id, buyer
        self.sent: dict[str, PlatformMessage] = {}

    def message(self, name: str, sender: SenderRole, at, *, auto: bool = False):
        buyer = sender == SenderRole.BUYER
        self.sent[name] = PlatformMessage(
            platform_message_id=f"{self.conversation_id}{len(self.sent):04d}",
            conversation_id=self.conversation_id,
            shop_id=SHOP_ID,
            sender=sender,
            sender_id=self.buyer if buyer else SHOP_ID,
            recipient_id=SHOP_ID if buyer else self.buyer,
            kind=MessageKind.TEXT,
            sent_at=at,
            text=f"{name} text",
            is_auto_reply=auto,
        )
        return self.sent[name]

    def push(self, *names: str) -> None:
        for name in names:
            message_ingest(shop=self.shop, message=self.sent[name])

    def pull(self, *names: str) -> None:
        """One pull-sync batch; the marketplace pages the newest first."""
        newest_first = sorted((self.sent[n] for n in names), key=lambda m: m.sent_at)[::-1]
        batch = ConversationBatch(self.conversation_id, "", newest_first)
        messages_ingest_batch(shop=self.shop, batches=[batch])

    def id(self, name: str) -> int:
        pid = self.sent[name].platform_message_id
        return Message.objects.get(shop=self.shop, platform_message_id=pid).pk

    @property
    def conversation(self) -> Conversation:
        return Conversation.objects.select_related("shop").get(
            shop=self.shop, platform_conversation_id=self.conversation_id
        )


def _facts(conversation: Conversation) -> list[tuple]:
    rows = ConversationFact.objects.filter(conversation=conversation)
    ordered = sorted(rows, key=lambda f: (f.occurred_at, f.kind != K.REOPENED, f.message_id or 0))
    for fact in ordered:  # what every fact carries
        assert (fact.shop_id, fact.group_id) == (conversation.shop_id, conversation.group_id)
    return [
        (
            f.kind,
            f.occurred_at,
            f.message_id,
            f.agent_id,
            f.from_agent_id,
            f.actor_id,
            f.wait_ms,
            f.first_response,
            f.starts_wait,
        )
        for f in ordered
    ]


def _clock(conversation: Conversation) -> tuple:
    return (
        conversation.status,
        conversation.awaiting_reply_since,
        conversation.last_buyer_message_at,
        conversation.last_seller_message_at,
    )


def _rebuild(*args: str) -> str:
    out = io.StringIO()
    call_command("conversation_facts_rebuild", "--no-progress", *args, stdout=out)
    return out.getvalue()


def _live_then_rebuilt(timeline: Timeline, facts: list[tuple], clock: tuple) -> None:
    assert _facts(timeline.conversation) == facts
    assert _clock(timeline.conversation) == clock
    _rebuild()
    assert _facts(timeline.conversation) == facts
    assert _clock(timeline.conversation) == clock


@pytest.fixture
def agents():
    return {name: User.objects.create_user(name, password="x") for name in ("lead", "ana", "bo")}


def _wait(timeline: Timeline, names: tuple[str, ...]) -> None:
    timeline.message(names[0], SenderRole.BUYER, T)
    timeline.message(names[1], SenderRole.BUYER, T + 30 * S)


def test_a_buyer_waits(shop):
    # m1 buyer at T: the wait starts; m2 buyer at T+30 s: the same wait.
    shop.first_response_target_seconds = 60
    shop.save()
    timeline = Timeline(shop)
    _wait(timeline, ("m1", "m2"))
    timeline.push("m1", "m2")
    m1, m2 = timeline.id("m1"), timeline.id("m2")
    _live_then_rebuilt(
        timeline,
        [
            (K.BUYER_MESSAGE, T, m1, None, None, None, None, False, True),
            (K.BUYER_MESSAGE, T + 30 * S, m2, None, None, None, None, False, False),
        ],
        (Conversation.Status.OPEN, T, T + 30 * S, None),
    )
    # The console's countdown ends at the shop's target after the first unanswered message.
    due = conversation_data(timeline.conversation)["first_response_due_at"]
    assert due == (T + 60 * S).isoformat()


def _simulated(simulator, shop) -> Timeline:
    """A timeline in a conversation the simulator knows (our replies are sent there)."""
    sim_message = buyer_message(simulator.sim, shop_id=SHOP_ID, text="hello?")
    with simulator.sim.lock:
        public = simulator.sim.public_message(sim_message)
    opened = message_from_shopee(public, shop_id=SHOP_ID)
    return Timeline(shop, opened.conversation_id, opened.sender_id)


def test_an_auto_reply_then_a_human_reply(simulator, shop, agents):
    # m1 buyer at T; the shop's auto-reply at T+2 s (no response: the wait goes on); then ana's
    # reply, acknowledged by the marketplace at R: it ends the wait of R - T, the first response.
    timeline = _simulated(simulator, shop)
    timeline.message("m1", SenderRole.BUYER, T)
    timeline.message("auto", SenderRole.SELLER, T + 2 * S, auto=True)
    timeline.push("m1", "auto")
    reply, _ = message_send_reply(
        conversation=timeline.conversation, user=agents["ana"], text="Yes, in stock."
    )
    outbound_delivery_send(delivery_id=reply.delivery.pk)
    reply.refresh_from_db()
    r = reply.platform_created_at  # the marketplace's time of the reply
    assert reply.status == Message.Status.SENT and r > T
    ana = agents["ana"].pk
    _live_then_rebuilt(
        timeline,
        [
            (K.BUYER_MESSAGE, T, timeline.id("m1"), None, None, None, None, False, True),
            (K.AUTO_REPLY, T + 2 * S, timeline.id("auto"), None, None, None, None, False, False),
            (
                K.AGENT_REPLY,
                r,
                reply.pk,
                ana,
                None,
                ana,
                (r - T) // timedelta(milliseconds=1),
                True,
                False,
            ),
        ],
        (Conversation.Status.OPEN, None, T, r),
    )


def test_a_reply_acknowledged_after_a_later_buyer_message_leaves_that_one_waiting(
    simulator, shop, agents
):
    # m1 buyer at T; ana's reply, acknowledged at R; m2 buyer at R+60 s arrives before the
    # acknowledgement. The reply ended m1's wait; m2 still waits.
    timeline = _simulated(simulator, shop)
    timeline.message("m1", SenderRole.BUYER, T)
    timeline.push("m1")
    reply, _ = message_send_reply(
        conversation=timeline.conversation, user=agents["ana"], text="Yes, in stock."
    )
    later = timezone.now().replace(microsecond=0) + 60 * S
    timeline.message("m2", SenderRole.BUYER, later)
    timeline.push("m2")
    outbound_delivery_send(delivery_id=reply.delivery.pk)
    reply.refresh_from_db()
    r = reply.platform_created_at
    assert T < r < later
    ana = agents["ana"].pk
    _live_then_rebuilt(
        timeline,
        [
            (K.BUYER_MESSAGE, T, timeline.id("m1"), None, None, None, None, False, True),
            (
                K.AGENT_REPLY,
                r,
                reply.pk,
                ana,
                None,
                ana,
                (r - T) // timedelta(milliseconds=1),
                True,
                False,
            ),
            (K.BUYER_MESSAGE, later, timeline.id("m2"), None, None, None, None, False, True),
        ],
        (Conversation.Status.OPEN, later, later, r),
    )


def test_reopened_by_the_buyer_and_by_an_agent(shop, agents):
    # m1 buyer at T; a Seller Centre reply at T+60 s; ana resolves; m2 buyer at T+120 s reopens
    # it (no actor) and starts a wait; ana resolves again (the wait ends, no reply); ana reopens.
    ana = agents["ana"]
    timeline = Timeline(shop)
    timeline.message("m1", SenderRole.BUYER, T)
    timeline.message("sc", SenderRole.SELLER, T + 60 * S)
    timeline.message("m2", SenderRole.BUYER, T + 120 * S)
    timeline.push("m1", "sc")
    first = timezone.now()
    conversation_resolve(conversation=timeline.conversation, actor=ana)
    timeline.push("m2")
    second = timezone.now()
    conversation_resolve(conversation=timeline.conversation, actor=ana)
    conversation_reopen(conversation=timeline.conversation, actor=ana)
    end = timezone.now()
    m1, sc, m2 = timeline.id("m1"), timeline.id("sc"), timeline.id("m2")
    _live_then_rebuilt(
        timeline,
        [
            (K.BUYER_MESSAGE, T, m1, None, None, None, None, False, True),
            (K.OUTSIDE_REPLY, T + 60 * S, sc, None, None, None, 60_000, True, False),
            (K.REOPENED, T + 120 * S, m2, None, None, None, None, False, False),
            (K.BUYER_MESSAGE, T + 120 * S, m2, None, None, None, None, False, True),
            (K.RESOLVED, Between(first, second), None, ana.pk, None, ana.pk, None, False, False),
            (K.RESOLVED, Between(second, end), None, ana.pk, None, ana.pk, None, False, False),
            (K.REOPENED, Between(second, end), None, ana.pk, None, ana.pk, None, False, False),
        ],
        (Conversation.Status.OPEN, None, T + 120 * S, T + 60 * S),
    )


def test_assigned_transferred_and_unassigned(shop, agents):
    # lead assigns to ana; m1 buyer at T (ana's); lead transfers to bo; m2 buyer at T+10 s
    # (bo's, the same wait); lead unassigns.
    lead, ana, bo = agents["lead"].pk, agents["ana"].pk, agents["bo"].pk
    timeline = Timeline(shop)
    timeline.message("m1", SenderRole.BUYER, T)
    timeline.message("m2", SenderRole.BUYER, T + 10 * S)
    timeline.push("m1")  # the conversation exists from its first message
    start = timezone.now()
    conversation_assign(
        conversation=timeline.conversation, assignee=agents["ana"], actor=agents["lead"]
    )
    # Assigning the same agent again is no change: no fact.
    conversation_assign(
        conversation=timeline.conversation, assignee=agents["ana"], actor=agents["lead"]
    )
    transfer = timezone.now()
    timeline.push("m2")
    conversation_assign(
        conversation=timeline.conversation, assignee=agents["bo"], actor=agents["lead"]
    )
    conversation_assign(conversation=timeline.conversation, assignee=None, actor=agents["lead"])
    end = timezone.now()
    _live_then_rebuilt(
        timeline,
        [
            (K.BUYER_MESSAGE, T, timeline.id("m1"), None, None, None, None, False, True),
            (K.BUYER_MESSAGE, T + 10 * S, timeline.id("m2"), ana, None, None, None, False, False),
            (K.ASSIGNED, Between(start, transfer), None, ana, None, lead, None, False, False),
            (K.TRANSFERRED, Between(transfer, end), None, bo, ana, lead, None, False, False),
            (K.UNASSIGNED, Between(transfer, end), None, None, bo, lead, None, False, False),
        ],
        (Conversation.Status.OPEN, T, T + 10 * S, None),
    )


def test_a_seller_centre_reply_pulled_late_leaves_the_later_buyer_message_waiting(shop):
    # m1 buyer at T (pushed); a reply typed in Seller Centre at T+60 s (not pushed); m2 buyer at
    # T+120 s (pushed); the reconciliation then pulls all three. The reply ended m1's wait; m2
    # still waits, and its countdown runs.
    timeline = Timeline(shop)
    timeline.message("m1", SenderRole.BUYER, T)
    timeline.message("sc", SenderRole.SELLER, T + 60 * S)
    timeline.message("m2", SenderRole.BUYER, T + 120 * S)
    timeline.push("m1", "m2")
    timeline.pull("m1", "sc", "m2")
    m1, sc, m2 = timeline.id("m1"), timeline.id("sc"), timeline.id("m2")
    _live_then_rebuilt(
        timeline,
        [
            (K.BUYER_MESSAGE, T, m1, None, None, None, None, False, True),
            (K.OUTSIDE_REPLY, T + 60 * S, sc, None, None, None, 60_000, True, False),
            (K.BUYER_MESSAGE, T + 120 * S, m2, None, None, None, None, False, True),
        ],
        (Conversation.Status.OPEN, T + 120 * S, T + 120 * S, T + 60 * S),
    )
    due = conversation_data(timeline.conversation)["first_response_due_at"]
    assert due == (T + 120 * S + shop.first_response_target_seconds * S).isoformat()


def _seller_centre(timeline: Timeline) -> None:
    timeline.message("m1", SenderRole.BUYER, T)
    timeline.message("r1", SenderRole.SELLER, T + 45 * S)
    timeline.message("m2", SenderRole.BUYER, T + 100 * S)
    timeline.message("r2", SenderRole.SELLER, T + 130 * S)


def _seller_centre_facts(timeline: Timeline) -> list[tuple]:
    # m1 buyer at T; a Seller Centre reply at T+45 s (agent unknown: it ends the wait, the first
    # response); m2 buyer at T+100 s; another at T+130 s ends that wait of 30 s.
    m1, r1, m2, r2 = (timeline.id(n) for n in ("m1", "r1", "m2", "r2"))
    return [
        (K.BUYER_MESSAGE, T, m1, None, None, None, None, False, True),
        (K.OUTSIDE_REPLY, T + 45 * S, r1, None, None, None, 45_000, True, False),
        (K.BUYER_MESSAGE, T + 100 * S, m2, None, None, None, None, False, True),
        (K.OUTSIDE_REPLY, T + 130 * S, r2, None, None, None, 30_000, False, False),
    ]


def test_replies_made_in_seller_centre(shop):
    timeline = Timeline(shop)
    _seller_centre(timeline)
    timeline.push("m1", "r1", "m2", "r2")
    _live_then_rebuilt(
        timeline,
        _seller_centre_facts(timeline),
        (Conversation.Status.OPEN, None, T + 100 * S, T + 130 * S),
    )


def test_live_facts_equal_the_replay_in_any_arrival_order(shop):
    # The same timeline as above, its messages arriving in every order, pushed one by one or
    # the last ones pulled together: always the same facts and clocks.
    orders = list(itertools.permutations(("m1", "r1", "m2", "r2")))
    timelines = []
    for n, order in enumerate(orders):
        timeline = Timeline(shop, conversation_id=str(9007199254740000 + n), buyer=str(800 + n))
        _seller_centre(timeline)
        timeline.push(*order[:2])
        if n % 2:
            timeline.pull(*order[2:])
        else:
            timeline.push(*order[2:])
        timelines.append(timeline)
    for timeline in timelines:
        assert _facts(timeline.conversation) == _seller_centre_facts(timeline)
        assert _clock(timeline.conversation) == (
            Conversation.Status.OPEN,
            None,
            T + 100 * S,
            T + 130 * S,
        )
    _rebuild()
    for timeline in timelines:
        assert _facts(timeline.conversation) == _seller_centre_facts(timeline)


def test_rebuilding_twice_changes_nothing_and_keeps_the_actions(shop, agents):
    timeline = Timeline(shop)
    _seller_centre(timeline)
    timeline.push("m1", "r1")
    conversation_resolve(conversation=timeline.conversation, actor=agents["ana"])
    timeline.push("m2", "r2")
    live = _facts(timeline.conversation)
    events = LiveEvent.objects.count()
    assert "1 conversations rebuilt, 6 facts." in _rebuild()
    assert _facts(timeline.conversation) == live
    _rebuild()
    assert _facts(timeline.conversation) == live
    assert ConversationFact.objects.count() == 6
    assert LiveEvent.objects.count() == events  # nothing changed: nothing to show


def test_a_conversation_from_before_the_facts_is_rebuilt_with_its_assignee_and_status(shop, agents):
    # Stored before facts existed: m1 buyer at T, a Seller Centre reply at T+45 s, resolved and
    # assigned to ana. Rebuilding records ana from the start and the resolve after the reply.
    timeline = Timeline(shop)
    _seller_centre(timeline)
    timeline.push("m1", "r1")
    ConversationFact.objects.all().delete()
    stale = T + 5 * S  # a clock the old code left behind
    Conversation.objects.filter(pk=timeline.conversation.pk).update(
        status=Conversation.Status.RESOLVED, assignee=agents["ana"], awaiting_reply_since=stale
    )
    legacy = timeline.conversation
    ana = agents["ana"].pk
    events = LiveEvent.objects.count()
    _rebuild()
    # The corrected clock reaches the consoles.
    [corrected] = LiveEvent.objects.order_by("id")[events:]
    assert corrected.payload["conversation"]["awaiting_reply_since"] is None
    assert _facts(legacy) == [
        (K.BUYER_MESSAGE, T, timeline.id("m1"), ana, None, None, None, False, True),
        (K.OUTSIDE_REPLY, T + 45 * S, timeline.id("r1"), None, None, None, 45_000, True, False),
        (K.ASSIGNED, legacy.created_at, None, ana, None, None, None, False, False),
        (K.RESOLVED, legacy.updated_at, None, None, None, None, None, False, False),
    ]
    assert _clock(timeline.conversation) == (Conversation.Status.RESOLVED, None, T, T + 45 * S)


def test_rebuilding_an_unknown_shop_is_refused_and_changes_nothing(shop):
    from django.core.management.base import CommandError

    timeline = Timeline(shop)
    _seller_centre(timeline)
    timeline.push("m1", "r1")
    before = _facts(timeline.conversation)
    with pytest.raises(CommandError, match="No shop with platform id 42"):
        _rebuild("--shop", "42")
    assert _facts(timeline.conversation) == before
    assert "1 conversations rebuilt" in _rebuild("--shop", SHOP_ID)


def test_a_refused_action_writes_no_fact(shop, agents):
    from chat.services.inbox.conversations import ConversationActionRefused

    timeline = Timeline(shop)
    timeline.message("m1", SenderRole.BUYER, T)
    timeline.push("m1")
    with pytest.raises(ConversationActionRefused):
        conversation_reopen(conversation=timeline.conversation, actor=agents["ana"])  # open
    assert [f[0] for f in _facts(timeline.conversation)] == [K.BUYER_MESSAGE]
    assert timeline.conversation.awaiting_reply_since == T


def test_a_late_message_in_a_conversation_from_before_the_facts_keeps_it_resolved(shop):
    # Stored before facts existed: m1 buyer at T, a Seller Centre reply at T+45 s, resolved.
    # m0, a buyer message at T-10 s, arrives late: it was answered by the reply, and the
    # conversation stays resolved (its resolve is recorded after the latest message).
    timeline = Timeline(shop)
    timeline.message("m0", SenderRole.BUYER, T - 10 * S)
    _seller_centre(timeline)
    timeline.push("m1", "r1")
    ConversationFact.objects.all().delete()
    Conversation.objects.filter(pk=timeline.conversation.pk).update(
        status=Conversation.Status.RESOLVED
    )
    resolved_at = timeline.conversation.updated_at  # as it was found
    timeline.push("m0")
    m0, m1, r1 = timeline.id("m0"), timeline.id("m1"), timeline.id("r1")
    _live_then_rebuilt(
        timeline,
        [
            (K.BUYER_MESSAGE, T - 10 * S, m0, None, None, None, None, False, True),
            (K.BUYER_MESSAGE, T, m1, None, None, None, None, False, False),
            (K.OUTSIDE_REPLY, T + 45 * S, r1, None, None, None, 55_000, True, False),
            (K.RESOLVED, resolved_at, None, None, None, None, None, False, False),
        ],
        (Conversation.Status.RESOLVED, None, T, T + 45 * S),
    )
