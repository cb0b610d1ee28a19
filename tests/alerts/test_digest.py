"""The daily digest: yesterday's figures of the group, in its time zone, once, at its time."""

from datetime import UTC, datetime, time

import pytest

from alerts.models import Alert, GroupAlertPolicy
from alerts.services.digest import digest_figures, digests_scan
from chat.models import ConversationFact
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db

Kind = ConversationFact.Kind


def fact(conversation, kind, at, **fields):
    return ConversationFact.objects.create(
        shop=conversation.shop, conversation=conversation, kind=kind, occurred_at=at, **fields
    )


@pytest.fixture
def day(team):
    """Sunday 6 December 2026 in Shanghai (UTC+8) is 5 Dec 16:00 to 6 Dec 16:00 UTC."""
    a, b, c, d = (ConversationFactory(shop=team.shop, group=team.group) for _ in range(4))
    # a: waited 60 s, first response within the shop's 180 s.
    fact(a, Kind.BUYER_MESSAGE, datetime(2026, 12, 6, 1, 0, tzinfo=UTC), starts_wait=True)
    fact(
        a,
        Kind.AGENT_REPLY,
        datetime(2026, 12, 6, 1, 1, tzinfo=UTC),
        wait_ms=60_000,
        first_response=True,
    )
    # b: answered in the seller tools after 300 s (a first response, late); then a second wait
    # answered fast (not a first response).
    fact(b, Kind.BUYER_MESSAGE, datetime(2026, 12, 6, 2, 0, tzinfo=UTC), starts_wait=True)
    fact(
        b,
        Kind.OUTSIDE_REPLY,
        datetime(2026, 12, 6, 2, 5, tzinfo=UTC),
        wait_ms=300_000,
        first_response=True,
    )
    fact(b, Kind.BUYER_MESSAGE, datetime(2026, 12, 6, 3, 0, tzinfo=UTC), starts_wait=True)
    fact(b, Kind.AGENT_REPLY, datetime(2026, 12, 6, 3, 0, 10, tzinfo=UTC), wait_ms=10_000)
    # c: wrote at 23:30 Shanghai on the 6th (15:30 UTC): the 6th in Shanghai; 22:30 in Bangkok.
    # An auto-reply answers nobody.
    fact(c, Kind.BUYER_MESSAGE, datetime(2026, 12, 6, 15, 30, tzinfo=UTC), starts_wait=True)
    fact(c, Kind.AUTO_REPLY, datetime(2026, 12, 6, 15, 30, 5, tzinfo=UTC))
    # Another day (the 5th in Shanghai): not counted.
    fact(c, Kind.BUYER_MESSAGE, datetime(2026, 12, 5, 15, 59, tzinfo=UTC))
    # d: 00:30 on the 7th in Shanghai, 23:30 on the 6th in Bangkok.
    fact(d, Kind.BUYER_MESSAGE, datetime(2026, 12, 6, 16, 30, tzinfo=UTC), starts_wait=True)
    return a, b, c, d


def test_the_figures_of_a_shanghai_day(team, day):
    from zoneinfo import ZoneInfo

    zone = ZoneInfo("Asia/Shanghai")
    figures = digest_figures(
        group_id=team.group.pk,
        start=datetime(2026, 12, 6, tzinfo=zone),
        end=datetime(2026, 12, 7, tzinfo=zone),
    )
    # Chats a, b, c; first responses a (60 s, within 180 s) and b (300 s, late): 1 of 2.
    assert figures[:3] == (3, 2, 1)
    assert figures.attainment == 0.5


def test_the_digest_goes_once_at_the_group_time_in_its_zone(team, day):
    GroupAlertPolicy.objects.filter(group=team.group).update(
        digest_time=time(9, 0), time_zone="Asia/Shanghai"
    )
    # 08:59 on the 7th in Shanghai: not yet.
    assert digests_scan(now=datetime(2026, 12, 7, 0, 59, tzinfo=UTC)) == []
    [digest] = digests_scan(now=datetime(2026, 12, 7, 1, 0, tzinfo=UTC))
    assert digest.kind == Alert.Kind.DIGEST and "2026-12-06" in digest.title
    assert "Chats: 3" in digest.text and "1 of 2 (50%)" in digest.text
    assert digest.deliveries.count() == 2  # each robot of the group
    assert digests_scan(now=datetime(2026, 12, 7, 5, 0, tzinfo=UTC)) == []  # once a day


def test_a_bangkok_group_counts_its_own_day(team, day):
    GroupAlertPolicy.objects.filter(group=team.group).update(
        digest_time=time(9, 0), time_zone="Asia/Bangkok"
    )
    # 09:00 on the 7th in Bangkok (02:00 UTC) covers 5 Dec 17:00 to 6 Dec 17:00 UTC: a, b, c and
    # d (23:30 Bangkok); the message of the 5th (15:59 UTC, 22:59 Bangkok) is out.
    [digest] = digests_scan(now=datetime(2026, 12, 7, 2, 0, tzinfo=UTC))
    assert "Chats: 4" in digest.text


def test_no_digest_time_no_digest(team, day):
    assert digests_scan(now=datetime(2026, 12, 7, 12, 0, tzinfo=UTC)) == []
