"""Every metric of docs/metrics.md on hand-built timelines. Message facts come from the real
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

import pytest
from django.db import connection

from chat.models import ConversationFact
from chat.services.state import Scope, TimelineMessage, replay
from integrations.models import Site
from kpi.services import metrics
from kpi.services.metrics import Filters
from tests.factories import ConversationFactory, MessageFactory, ShopFactory, UserFactory

pytestmark = pytest.mark.django_db

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


@pytest.fixture
def world():
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


def only(rows):
    assert len(rows) == 1, rows
    return rows[0]


def test_first_response_time_skips_auto_replies_and_counts_once_per_conversation(world):
    row = only(metrics.first_response_time(Filters(START, END, shop_ids=[world["a"].pk])))
    # c1 120 000 (not the auto-reply's 5 s), c2 600 000 (transfer does not restart), c4
    # 46 800 000, c5 1 200 000; c2's reopen is not a second first response; c3 has none.
    # avg = 48 720 000 / 4 = 12 180 000; median = (600 000 + 1 200 000) / 2 = 900 000;
    # p90 = 1 200 000 + 0.7 × (46 800 000 − 1 200 000) = 33 120 000.
    assert row == {
        "count": 4,
        "avg_ms": 12_180_000,
        "median_ms": 900_000,
        "p90_ms": pytest.approx(33_120_000),
    }


def test_first_response_by_agent_goes_to_the_one_who_replied(world):
    rows = metrics.first_response_time(
        Filters(START, END, shop_ids=[world["a"].pk], group_by=["agent"])
    )
    by_agent = {r["agent"]: (r["count"], r["avg_ms"]) for r in rows}
    # alice: c1, c4, c5 = (120 000 + 46 800 000 + 1 200 000) / 3; bob: c2 (transferred to him).
    assert by_agent == {world["alice"].pk: (3, 16_040_000), world["bob"].pk: (1, 600_000)}


def test_attainment_against_the_shop_target(world):
    row = only(metrics.first_response_attainment(Filters(START, END, shop_ids=[world["a"].pk])))
    assert row == {"count": 4, "within": 1, "rate": 0.25}  # only c1's 120 s is ≤ 180 s


def test_reply_time_covers_every_wait(world):
    rows = metrics.reply_time(Filters(START, END, shop_ids=[world["a"].pk], group_by=["agent"]))
    by_agent = {r["agent"]: (r["count"], r["avg_ms"]) for r in rows}
    # alice 120 000, 600 000, 46 800 000, 1 200 000 (02:10:30 ended no wait); bob 600 000;
    # the seller-tools reply after the reopen: 60 000, agent unknown.
    assert by_agent == {
        world["alice"].pk: (4, 12_180_000),
        world["bob"].pk: (1, 600_000),
        None: (1, 60_000),
    }


def test_reply_rate_counts_waits_a_human_ended(world):
    row = only(metrics.reply_rate(Filters(START, END, shop_ids=[world["a"].pk])))
    # Waits: c1 ×2, c2 ×2 (the reopen's answered outside), c3 (never), c4, c5 = 7; replied 6.
    assert row == {"waits": 7, "replied": 6, "rate": 6 / 7}


def test_day_boundary_in_two_time_zones(world):
    def per_day(tz):
        rows = metrics.first_response_time(
            Filters(START, END, shop_ids=[world["a"].pk], bucket="day", tz=tz)
        )
        return {str(r["period"]): r["count"] for r in rows}

    # c5's reply at 16:10 UTC is 00:10 on the 3rd in Shanghai: it moves day with the zone.
    assert per_day("Asia/Shanghai") == {"2026-03-02": 2, "2026-03-03": 2}
    assert per_day("UTC") == {"2026-03-02": 3, "2026-03-03": 1}


def test_site_local_day(world):
    def per_day(tz):
        rows = metrics.first_response_time(
            Filters(START, END, shop_ids=[world["b"].pk], bucket="day", tz=tz)
        )
        return {str(r["period"]): r["count"] for r in rows}

    # 02:00:30 UTC on the 3rd is 23:00:30 on the 2nd in Sao Paulo, 10:00:30 on the 3rd in Shanghai.
    assert per_day("site") == {"2026-03-02": 1}
    assert per_day("Asia/Shanghai") == {"2026-03-03": 1}


def test_dimensions_shop_site_platform(world):
    rows = metrics.first_response_time(Filters(START, END, group_by=["site", "platform"]))
    assert {(r["site"], r["platform"], r["count"]) for r in rows} == {
        ("SG", "shopee", 4),
        ("BR", "shopee", 1),
    }


def test_chat_response_rate_weights_the_latest_quarter(world):
    shop_a, shop_b = world["a"].pk, world["b"].pk
    result = metrics.chat_response_rate(
        shop_ids=[shop_a, shop_b], end=END, now=END + timedelta(days=5)
    )
    # Shop A: 7 chats; c3 never answered, c4 answered after 13 h (late): 5 within 12 h. Latest
    # 25 % = ceil(1.75) = 2 chats: c5 (answered) and c4 (late) → 1/2.
    # 0.5 × 5/7 + 0.5 × 1/2 = 17/28. Shop B: one chat only → no rate (the marketplace's default).
    assert result[shop_a] == {
        "chats": 7,
        "answered": 5,
        "latest_chats": 2,
        "latest_answered": 1,
        "rate": pytest.approx(17 / 28),
    }
    assert result[shop_b]["chats"] == 1 and result[shop_b]["rate"] is None


def test_chat_response_rate_leaves_out_chats_still_within_their_12_hours(world):
    # At 16:00 on the 2nd, c5 (15:50, answered at 16:10: not yet) can still be answered in time.
    result = metrics.chat_response_rate(shop_ids=[world["a"].pk], start=START, end=END, now=at(16))
    assert result[world["a"].pk]["chats"] == 6


def test_chat_response_rate_window_is_configurable(world):
    # A 1-day window ending at 12:00 on the 2nd: c1 ×2, c2 ×2, c3 = 5 chats, 4 answered.
    result = metrics.chat_response_rate(
        shop_ids=[world["a"].pk], end=at(12), window_days=1, now=at(12, day=3)
    )
    assert result[world["a"].pk]["chats"] == 5
    assert result[world["a"].pk]["answered"] == 4


def test_conversation_resolution_restarts_at_reopen(world):
    row = only(metrics.conversation_resolution(Filters(START, END, shop_ids=[world["a"].pk])))
    # c2: 03:00 → 03:20 = 1 200 000; reopened 05:00 → 05:30 = 1 800 000. Opened: 5 first
    # buyer messages + 1 reopen = 6, resolved 2.
    assert row["resolved"] == 2 and row["opened"] == 6
    assert row["avg_ms"] == 1_500_000 and row["rate"] == pytest.approx(2 / 6)


def test_auto_reply_share_and_timing(world):
    row = only(metrics.auto_replies(Filters(START, END, shop_ids=[world["a"].pk])))
    # Seller messages: 2 auto + 7 human = 9; the 01:00:05 one answered a wait started at
    # 01:00:00 (5 000 ms); the 02:11 greeting came when nothing waited: no timing.
    assert row["auto_replies"] == 2 and row["seller_messages"] == 9
    assert row["share"] == pytest.approx(2 / 9)
    assert row["timed"] == 1 and row["avg_ms"] == 5_000


def test_delivery_latency_percentiles(world):
    conversation = ConversationFactory(shop=world["a"])
    for latency in (100, 200, 300, 2000):
        MessageFactory(
            conversation=conversation,
            direction="out",
            sender_kind="agent",
            sent_at=at(9),
            delivery_latency_ms=latency,
        )
    row = only(metrics.delivery_latency(Filters(START, END, shop_ids=[world["a"].pk])))
    # p50 = (200 + 300) / 2; p95 = 300 + 0.85 × (2000 − 300) = 1745.
    assert row["count"] == 4 and row["p50_ms"] == 250
    assert row["p95_ms"] == pytest.approx(1745) and row["target_p95_ms"] == 1200


def test_ticket_resolution(world):
    from tickets.models import Ticket, TicketType

    kind = TicketType.objects.first() or TicketType.objects.create(code="other", name="Other")
    for resolved_after in (timedelta(hours=2), timedelta(hours=4), None):
        ticket = Ticket.objects.create(shop=world["a"], ticket_type=kind, subject="s")
        Ticket.objects.filter(pk=ticket.pk).update(
            created_at=at(6), resolved_at=resolved_after and at(6) + resolved_after
        )
    row = only(metrics.ticket_resolution(Filters(START, END, shop_ids=[world["a"].pk])))
    # 3 created, 2 resolved after 2 h and 4 h: avg 3 h = 10 800 000 ms.
    assert row["created"] == 3 and row["resolved"] == 2 and row["rate"] == pytest.approx(2 / 3)
    assert row["avg_ms"] == 10_800_000


def test_empty_period_gives_a_zero_total_and_no_grouped_rows(world):
    later = END + timedelta(days=30)
    empty = Filters(later, later + timedelta(days=1))
    assert metrics.first_response_time(empty) == [
        {"count": 0, "avg_ms": None, "median_ms": None, "p90_ms": None}
    ]
    assert metrics.reply_rate(empty) == [{"waits": 0, "replied": 0, "rate": None}]
    grouped = Filters(later, later + timedelta(days=1), group_by=["shop"])
    assert metrics.first_response_time(grouped) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("group_by", ["colour"]), ("bucket", "year"), ("tz", "Mars/Olympus"), ("end", START)],
)
def test_filters_refuse_bad_input(field, value):
    kwargs = {"start": START, "end": END, field: value}
    with pytest.raises(ValueError, match=r"dimension|bucket|zone|after"):
        Filters(**kwargs)


def test_a_failing_or_slow_metric_reports_its_own_error(world, monkeypatch):
    def slow(filters):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(1)")
        return []

    def broken(filters):
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")
        return []

    monkeypatch.setitem(metrics.METRICS, "slow", slow)
    monkeypatch.setitem(metrics.METRICS, "broken", broken)
    result = metrics.report(
        Filters(START, END, shop_ids=[world["a"].pk]),
        ["slow", "broken", "first_response_time"],
        timeout_ms=50,
    )
    assert result["slow"] == {"error": "timed out"}
    assert result["broken"] == {"error": "failed"}
    assert result["first_response_time"]["rows"][0]["count"] == 4
