"""Business time on a shop's calendar: several periods a day, overnight periods, holidays, week
boundaries, and zones with and without daylight saving time."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from integrations.business_hours import (
    BusinessCalendar,
    BusinessHoliday,
    BusinessPeriod,
    WorkCalendar,
    business_deadline,
    business_seconds_between,
    work_calendar_for_shop,
)
from tests.factories import ShopFactory

KL = ZoneInfo("Asia/Kuala_Lumpur")
BERLIN = ZoneInfo("Europe/Berlin")
HOUR = 3600


def office(zone=KL, holidays=()) -> WorkCalendar:
    """Monday to Friday, 09:00-12:00 and 13:00-18:00 (a lunch break)."""
    periods = []
    for day in range(5):
        periods += [(day, time(9), time(12)), (day, time(13), time(18))]
    return WorkCalendar(zone=zone, periods=tuple(periods), holidays=frozenset(holidays))


def at(zone, *args) -> datetime:
    return datetime(*args, tzinfo=zone)


def test_no_calendar_is_round_the_clock():
    start = datetime(2026, 12, 5, 23, 0, tzinfo=UTC)
    assert business_seconds_between(None, start, start + timedelta(hours=30)) == 30 * HOUR
    assert business_deadline(None, start, 30 * HOUR) == start + timedelta(hours=30)


def test_several_periods_a_day_skip_the_break():
    # 2026-12-07 is a Monday. From 08:00: 09-12 is 3 h, the fourth hour ends at 14:00.
    calendar = office()
    assert business_deadline(calendar, at(KL, 2026, 12, 7, 8), 4 * HOUR) == at(KL, 2026, 12, 7, 14)
    assert business_seconds_between(calendar, at(KL, 2026, 12, 7, 11), at(KL, 2026, 12, 7, 14)) == (
        2 * HOUR
    )


def test_the_weekend_is_skipped():
    # Friday 2026-12-11 17:00 plus two business hours: one on Friday, one on Monday 09-10.
    calendar = office()
    friday, monday = at(KL, 2026, 12, 11, 17), at(KL, 2026, 12, 14, 10)
    assert business_deadline(calendar, friday, 2 * HOUR) == monday
    assert business_seconds_between(calendar, friday, monday) == 2 * HOUR


def test_a_holiday_closes_the_whole_day():
    calendar = office(holidays=[date(2026, 12, 14)])  # that Monday
    friday = at(KL, 2026, 12, 11, 17)
    assert business_deadline(calendar, friday, 2 * HOUR) == at(KL, 2026, 12, 15, 10)
    assert business_seconds_between(calendar, friday, at(KL, 2026, 12, 15, 9)) == HOUR


def test_zero_seconds_from_a_closed_moment_is_the_next_opening():
    calendar = office()
    assert business_deadline(calendar, at(KL, 2026, 12, 12, 15), 0) == at(KL, 2026, 12, 14, 9)


def test_overnight_period_crosses_midnight_and_the_week():
    # Sunday 22:00 to Monday 06:00, the night between two weeks.
    calendar = WorkCalendar(zone=KL, periods=((6, time(22), time(6)),))
    sunday = at(KL, 2026, 12, 13, 21)
    assert business_deadline(calendar, sunday, 5 * HOUR) == at(KL, 2026, 12, 14, 3)
    assert business_seconds_between(calendar, sunday, at(KL, 2026, 12, 14, 12)) == 8 * HOUR
    # The next night is a week later: 8 h of the 10 now, 2 h on the following Sunday.
    assert business_deadline(calendar, sunday, 10 * HOUR) == at(KL, 2026, 12, 21, 0)


def test_a_holiday_cuts_the_overnight_part_on_that_date():
    calendar = WorkCalendar(
        zone=KL, periods=((6, time(22), time(6)),), holidays=frozenset([date(2026, 12, 14)])
    )
    night = (at(KL, 2026, 12, 13, 20), at(KL, 2026, 12, 14, 8))
    assert business_seconds_between(calendar, *night) == 2 * HOUR  # only Sunday 22-24


def test_overlapping_periods_count_once():
    calendar = WorkCalendar(zone=KL, periods=((0, time(9), time(12)), (0, time(11), time(13))))
    day = (at(KL, 2026, 12, 7, 0), at(KL, 2026, 12, 8, 0))
    assert business_seconds_between(calendar, *day) == 4 * HOUR
    assert business_deadline(calendar, day[0], 4 * HOUR) == at(KL, 2026, 12, 7, 13)


def test_spring_forward_shortens_a_period_in_berlin():
    # 2026-03-29 (Sunday): clocks go from 02:00 to 03:00. 00:00-06:00 on the wall is 5 hours.
    calendar = WorkCalendar(zone=BERLIN, periods=((6, time(0), time(6)),))
    start, end = at(BERLIN, 2026, 3, 29, 0), at(BERLIN, 2026, 3, 29, 6)
    # (Python subtracts wall times within one zone; in UTC the period is 23:00 to 04:00.)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=5)
    assert business_seconds_between(calendar, start, end + timedelta(hours=3)) == 5 * HOUR
    assert business_deadline(calendar, start, 5 * HOUR) == datetime(2026, 3, 29, 4, tzinfo=UTC)


def test_fall_back_lengthens_a_period_in_berlin():
    # 2026-10-25 (Sunday): clocks go from 03:00 back to 02:00. 00:00-06:00 is 7 hours.
    calendar = WorkCalendar(zone=BERLIN, periods=((6, time(0), time(6)),))
    start = at(BERLIN, 2026, 10, 25, 0)
    assert business_seconds_between(calendar, start, at(BERLIN, 2026, 10, 25, 12)) == 7 * HOUR
    assert business_deadline(calendar, start, 7 * HOUR) == datetime(2026, 10, 25, 5, tzinfo=UTC)


def test_office_hours_follow_the_zone_across_dst():
    # Friday 2026-03-27 17:00 CET plus 2 h: Friday 17-18, then Monday 30 March 09-10 CEST.
    calendar = office(zone=BERLIN)
    due = business_deadline(calendar, at(BERLIN, 2026, 3, 27, 17), 2 * HOUR)
    assert due == datetime(2026, 3, 30, 8, tzinfo=UTC)


def test_brazil_has_no_dst_now():
    sao_paulo = ZoneInfo("America/Sao_Paulo")
    calendar = office(zone=sao_paulo)
    due = business_deadline(calendar, at(sao_paulo, 2026, 11, 2, 9), 8 * HOUR)
    assert due == datetime(2026, 11, 2, 21, tzinfo=UTC)  # 18:00 at UTC-3


def test_bad_calendars_and_durations_are_refused():
    with pytest.raises(ValueError, match="at least one period"):
        WorkCalendar(zone=KL, periods=())
    with pytest.raises(ValueError, match="negative"):
        business_deadline(office(), at(KL, 2026, 12, 7, 9), -1)
    closed_forever = WorkCalendar(
        zone=KL,
        periods=((0, time(9), time(10)),),
        holidays=frozenset(date(2026, 12, 7) + timedelta(weeks=w) for w in range(200)),
    )
    with pytest.raises(ValueError, match="no working time"):
        business_deadline(closed_forever, at(KL, 2026, 12, 7, 8), HOUR)


def test_a_shop_calendar_uses_the_site_zone_unless_it_names_one(db):
    shop = ShopFactory(site="TW")
    assert work_calendar_for_shop(shop) is None  # no row: 24/7
    calendar = BusinessCalendar.objects.create(shop=shop)
    BusinessPeriod.objects.create(calendar=calendar, weekday=0, starts_at=time(9), ends_at=time(17))
    BusinessHoliday.objects.create(calendar=calendar, date=date(2026, 12, 7), name="Holiday")
    loaded = work_calendar_for_shop(shop)
    assert loaded.zone == ZoneInfo("Asia/Taipei")
    assert loaded.holidays == {date(2026, 12, 7)}
    calendar.time_zone = "Europe/Berlin"
    calendar.save()
    assert work_calendar_for_shop(shop).zone == BERLIN
    calendar.time_zone = "Mars/Olympus"
    with pytest.raises(ValidationError, match="not a time zone"):
        calendar.full_clean()
