"""A shop's business hours: weekly periods, holidays and its time zone, and the arithmetic of
business time on them (SLA clocks of tickets, automation, alerts).

A shop without a calendar row works 24/7. Periods are in the calendar's local time (the shop's
site zone unless the calendar names another); a period whose end is not after its start runs
overnight into the next day. A holiday closes the whole local date, 00:00 to 24:00, including
the tail of an overnight period that started the day before. Durations are real elapsed time:
a period that spans a DST change is an hour shorter or longer, as the clock on the wall says.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# How far the deadline search looks ahead before declaring a calendar that never opens.
_HORIZON_DAYS = 800


def _validate_time_zone(value: str) -> None:
    if value and value not in available_timezones():
        raise ValidationError(_("%(zone)s is not a time zone name."), params={"zone": value})


class BusinessCalendar(models.Model):
    """When a shop's team works. No row: the shop works 24/7."""

    shop = models.OneToOneField(
        "integrations.Shop",
        on_delete=models.CASCADE,
        related_name="business_calendar",
        verbose_name=_("shop"),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[_validate_time_zone],
        help_text=_("Leave empty for the time zone of the shop's site."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return _("business hours of %(shop)s") % {"shop": self.shop}


class BusinessPeriod(models.Model):
    """One working period on one weekday, in local time; several per day are allowed."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="periods")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    starts_at = models.TimeField(_("starts at"))
    ends_at = models.TimeField(
        _("ends at"), help_text=_("Not after the start: the period runs overnight.")
    )

    class Meta:
        verbose_name = _("business period")
        verbose_name_plural = _("business periods")
        ordering = ["weekday", "starts_at"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"


class BusinessHoliday(models.Model):
    """A local date on which the shop's team does not work."""

    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="holiday_once_per_date")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}".strip()


# -- business-time arithmetic (pure: no database) -------------------------------------------------


@dataclass(frozen=True)
class WorkCalendar:
    """What the arithmetic needs: the zone, the weekly periods (weekday, start, end) and the
    holidays. `None` in place of a calendar means 24/7."""

    zone: ZoneInfo
    periods: tuple[tuple[int, time, time], ...]
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self):
        if not self.periods:
            raise ValueError("A business calendar needs at least one period.")


def work_calendars_for_shops(shops) -> dict[int, WorkCalendar | None]:
    """Each shop's calendar by shop id, None for a shop that works 24/7: three queries whatever
    the number of shops (bulk changes of many tickets)."""
    shops = list(shops)
    result: dict[int, WorkCalendar | None] = dict.fromkeys((shop.pk for shop in shops), None)
    calendars = BusinessCalendar.objects.filter(shop__in=[shop.pk for shop in shops])
    zones = {shop.pk: shop.time_zone for shop in shops}
    for calendar in calendars.prefetch_related("periods", "holidays"):
        periods = tuple((p.weekday, p.starts_at, p.ends_at) for p in calendar.periods.all())
        if not periods:
            continue  # a calendar still being set up does not stop every clock
        result[calendar.shop_id] = WorkCalendar(
            zone=ZoneInfo(calendar.time_zone or zones[calendar.shop_id]),
            periods=periods,
            holidays=frozenset(h.date for h in calendar.holidays.all()),
        )
    return result


def work_calendar_for_shop(shop) -> WorkCalendar | None:
    """The shop's calendar, or None when it works 24/7."""
    return work_calendars_for_shops([shop])[shop.pk]


def _local(zone: ZoneInfo, day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def _day_intervals(calendar: WorkCalendar, day: date) -> list[tuple[datetime, datetime]]:
    """The working intervals (UTC) of the periods that start on local `day`, holidays cut out."""
    intervals = []
    for weekday, starts, ends in calendar.periods:
        if weekday != day.weekday():
            continue
        next_day = day + timedelta(days=1)
        midnight = _local(calendar.zone, next_day, time(0))
        if ends > starts:
            pieces = [(day, _local(calendar.zone, day, starts), _local(calendar.zone, day, ends))]
        else:  # overnight: the evening on `day`, the early hours on the next
            pieces = [
                (day, _local(calendar.zone, day, starts), midnight),
                (next_day, midnight, _local(calendar.zone, next_day, ends)),
            ]
        intervals += [(lo, hi) for on, lo, hi in pieces if on not in calendar.holidays and hi > lo]
    return intervals


def _intervals(calendar: WorkCalendar, first: date, last: date) -> list[tuple[datetime, datetime]]:
    """Ordered working intervals of the periods starting on local dates `first` to `last`."""
    raw = []
    day = first
    while day <= last:
        raw += _day_intervals(calendar, day)
        day += timedelta(days=1)
    return sorted(raw)


def business_seconds_between(calendar: WorkCalendar | None, start: datetime, end: datetime) -> int:
    """Working seconds from `start` to `end` (aware datetimes); 0 if `end` is not after it."""
    if end <= start:
        return 0
    if calendar is None:
        return int((end - start).total_seconds())
    first = start.astimezone(calendar.zone).date() - timedelta(days=1)
    last = end.astimezone(calendar.zone).date()
    total, counted_until = timedelta(0), start
    for lo, hi in _intervals(calendar, first, last):
        lo, hi = max(lo, counted_until), min(hi, end)  # overlapping periods count once
        if hi > lo:
            total += hi - lo
            counted_until = hi
    return int(total.total_seconds())


def business_deadline(calendar: WorkCalendar | None, start: datetime, seconds: int) -> datetime:
    """The moment (UTC) when `seconds` of working time have passed since `start`. Zero seconds
    from a closed moment is the next opening."""
    if seconds < 0:
        raise ValueError("seconds must not be negative")
    if calendar is None:
        return start.astimezone(UTC) + timedelta(seconds=seconds)
    remaining, counted_until = timedelta(seconds=seconds), start
    day = start.astimezone(calendar.zone).date() - timedelta(days=1)
    horizon = day + timedelta(days=_HORIZON_DAYS)
    while day < horizon:
        last = day + timedelta(days=6)  # a week at a time
        for lo, hi in _intervals(calendar, day, last):
            lo = max(lo, counted_until)  # overlapping periods count once
            if hi <= lo:
                continue
            if hi - lo >= remaining:
                return (lo + remaining).astimezone(UTC)
            remaining -= hi - lo
            counted_until = hi
        day = last + timedelta(days=1)
    raise ValueError("The business calendar has no working time within two years.")
