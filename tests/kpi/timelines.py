"""Hand-built timelines for the KPI tests. Message facts come from the real
fold (chat.services.state.replay) over the messages written below; agent actions are the facts
the conversation services record (placed after the latest message). Expected values are
worked out by hand in the comments. All times UTC unless said; Shanghai is UTC+8, Sao Paulo
UTC-3.

Shop A (site SG, target 180 s), agents alice and bob:
  c1  01:00:00 buyer (wait starts) · 01:00:05 auto-reply · 01:00:30 buyer (same wait)
      01:02:00 alice (first response, 120 000 ms) · 02:00:00 buyer (wait) · 02:10:00 alice
      (600 000) · 02:10:30 alice (ends no wait) · 02:11:00 auto-reply (greeting, no wait)
  c2  03:00:00 buyer · assigned alice · 03:05 transferred to bob · 03:10:00 bob (first,
      600 000) · 03:20 resolved by bob · 05:00:00 buyer (reopens, wait) · 05:01:00 reply in
      the seller tools (60 000, agent unknown) · 05:30 resolved by bob
  c3  04:00:00 buyer · never answered
  c4  13:00:00 buyer (21:00 local, outside business hours) · next day 02:00:00 alice (first,
      46 800 000 = 13 h, wall clock: the night counts)
  c5  15:50:00 buyer (23:50 Shanghai) · 16:10:00 alice (first, 1 200 000): the 2nd in UTC, the
      3rd in Shanghai
Shop B (site BR): 2026-03-03 02:00:00 buyer (2 Mar 23:00 Sao Paulo) · 02:00:30 bob (first,
      30 000)
"""

from datetime import UTC, datetime, timedelta
from itertools import count

from chat.models import ConversationFact
from chat.services.state import Scope, TimelineMessage, replay
from integrations.models import Site
from tests.factories import ConversationFactory, ShopFactory, UserFactory

K = ConversationFact.Kind
DAY = datetime(2026, 3, 2, tzinfo=UTC)
START, END = DAY, DAY + timedelta(days=2)
_ids = count(10_000)


def at(hours: int, minutes: int = 0, seconds: int = 0, day: int = 0) -> datetime:
    return DAY + timedelta(days=day, hours=hours, minutes=minutes, seconds=seconds)


def build(conversation, events) -> None:
    """events: (what, at, user). Messages: buyer/agent/outside/auto; actions: assigned,
    transferred, resolved, reopened (by `user`)."""
    messages, actions, last_message, assignee = [], [], None, None
    for what, when, user in events:
        if what in ("buyer", "agent", "outside", "auto"):
            last_message = next(_ids)
            messages.append(TimelineMessage(last_message, when, what, user and user.pk))
            continue
        before = assignee
        if what in (K.ASSIGNED, K.TRANSFERRED):
            assignee = user
        actions.append(
            ConversationFact(
                pk=next(_ids),
                shop_id=conversation.shop_id,
                conversation_id=conversation.pk,
                group_id=conversation.group_id,
                kind=what,
                occurred_at=when,
                agent_id=user.pk,
                from_agent_id=before.pk if what == K.TRANSFERRED and before else None,
                actor_id=user.pk,
                after_message_id=last_message,
            )
        )
    _, facts = replay(messages, actions, Scope.of(conversation))
    for action in actions:  # the ids above only ordered the timeline
        action.pk = None
    rows = [f.row() for f in facts] + actions
    # Inserted in timeline order, as the services append them.
    ConversationFact.objects.bulk_create(sorted(rows, key=lambda r: r.occurred_at))


def make_world() -> dict:
    shop_a = ShopFactory(site=Site.SG, first_response_target_seconds=180)
    shop_b = ShopFactory(site=Site.BR)
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    c = [ConversationFactory(shop=shop_a) for _ in range(5)]
    build(
        c[0],
        [
            ("buyer", at(1), None),
            ("auto", at(1, 0, 5), None),
            ("buyer", at(1, 0, 30), None),
            ("agent", at(1, 2), alice),
            ("buyer", at(2), None),
            ("agent", at(2, 10), alice),
            ("agent", at(2, 10, 30), alice),
            ("auto", at(2, 11), None),
        ],
    )
    build(
        c[1],
        [
            ("buyer", at(3), None),
            (K.ASSIGNED, at(3, 0, 10), alice),
            (K.TRANSFERRED, at(3, 5), bob),
            ("agent", at(3, 10), bob),
            (K.RESOLVED, at(3, 20), bob),
            ("buyer", at(5), None),
            ("outside", at(5, 1), None),
            (K.RESOLVED, at(5, 30), bob),
        ],
    )
    build(c[2], [("buyer", at(4), None)])
    build(c[3], [("buyer", at(13), None), ("agent", at(2, day=1), alice)])
    build(c[4], [("buyer", at(15, 50), None), ("agent", at(16, 10), alice)])
    build(
        ConversationFactory(shop=shop_b),
        [("buyer", at(2, day=1), None), ("agent", at(2, 0, 30, day=1), bob)],
    )
    return {"a": shop_a, "b": shop_b, "alice": alice, "bob": bob}
