"""Hourly rollups over the timelines of tests/kpi/timelines.py."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Sum

from kpi.models import HourlyShopAgentRollup
from kpi.services.rollups import rollups_refresh
from tests.kpi.timelines import DAY, at

pytestmark = pytest.mark.django_db
COLUMNS = (
    "hour",
    "shop_id",
    "agent_id",
    "group_id",
    "first_responses",
    "first_response_ms",
    "first_responses_within_target",
    "replies",
    "reply_ms",
    "human_messages",
    "auto_replies",
    "waits_started",
    "resolved",
    "reopened",
)


def rows():
    return sorted(HourlyShopAgentRollup.objects.values_list(*COLUMNS), key=str)


def rebuild(*days: str) -> str:
    out = io.StringIO()
    call_command(
        "kpi_rollups_rebuild", "--from", days[0], "--to", days[-1], "--no-progress", stdout=out
    )
    return out.getvalue()


def test_rebuild_twice_gives_the_same_rows(world):
    assert "2 days rebuilt" in rebuild("2026-03-02", "2026-03-03")
    first = rows()
    rebuild("2026-03-02", "2026-03-03")
    assert rows() == first and first


def test_rollup_sums_match_the_metrics(world):
    rebuild("2026-03-02", "2026-03-03")
    totals = HourlyShopAgentRollup.objects.filter(shop=world["a"]).aggregate(
        *(Sum(c) for c in ("first_responses", "first_response_ms", "replies", "reply_ms")),
        Sum("first_responses_within_target"),
        Sum("waits_started"),
        Sum("auto_replies"),
        Sum("human_messages"),
        Sum("resolved"),
        Sum("reopened"),
    )
    # The same figures as tests/kpi/test_metrics.py: 4 first responses summing 48 720 000 ms, 1
    # within target; 6 replies to waits summing 49 380 000; 7 waits; 2 auto-replies, 7 human
    # messages; 2 resolves, 1 reopen.
    assert totals == {
        "first_responses__sum": 4,
        "first_response_ms__sum": 48_720_000,
        "replies__sum": 6,
        "reply_ms__sum": 49_380_000,
        "first_responses_within_target__sum": 1,
        "waits_started__sum": 7,
        "auto_replies__sum": 2,
        "human_messages__sum": 7,
        "resolved__sum": 2,
        "reopened__sum": 1,
    }
    # Per hour: c1's first response (01:02) sits in the 01:00 UTC row of alice.
    row = HourlyShopAgentRollup.objects.get(hour=at(1), shop=world["a"], agent=world["alice"])
    assert (row.first_responses, row.first_response_ms) == (1, 120_000)


def test_refresh_covers_yesterday_and_todays_closed_hours(world):
    # At 02:30 on the 3rd: the 2nd from 00:00 and the 3rd's 00:00 and 01:00 hours; bob's 02:00:30
    # reply in shop B is in the open hour, not yet rolled up.
    rollups_refresh(now=at(2, 30, day=1))
    hours = set(HourlyShopAgentRollup.objects.values_list("hour", flat=True))
    assert min(hours) >= DAY and max(hours) < at(2, day=1)
    assert not HourlyShopAgentRollup.objects.filter(shop=world["b"]).exists()
    rollups_refresh(now=at(3, day=1))
    assert HourlyShopAgentRollup.objects.filter(shop=world["b"], first_responses=1).exists()


def test_rebuild_refuses_bad_dates(world):
    with pytest.raises(CommandError, match="Not a date"):
        rebuild("2026-13-01", "2026-03-01")
    with pytest.raises(CommandError, match="before"):
        rebuild("2026-03-02", "2026-03-01")
    assert not HourlyShopAgentRollup.objects.exists()


def test_rebuild_replaces_what_a_day_had(world):
    rebuild("2026-03-02", "2026-03-02")
    from chat.models import ConversationFact

    ConversationFact.objects.filter(kind="auto_reply").delete()  # as a replay would drop them
    rebuild("2026-03-02", "2026-03-02")
    assert not HourlyShopAgentRollup.objects.filter(auto_replies__gt=0).exists()
    assert HourlyShopAgentRollup.objects.filter(hour__gte=DAY + timedelta(days=1)).count() == 0
