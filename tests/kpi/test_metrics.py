"""Every metric of docs/metrics.md on the hand-built timelines of tests/kpi/timelines.py (read
its docstring first: the expected values below are worked out from it by hand)."""

from datetime import timedelta

import pytest
from django.db import connection

from kpi.services import metrics
from kpi.services.metrics import Filters
from tests.factories import ConversationFactory, MessageFactory
from tests.kpi.timelines import END, START, at

pytestmark = pytest.mark.django_db


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
