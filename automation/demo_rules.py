"""Idempotent demo auto-reply rules (global, first match by priority) and the MY demo shop's
business hours, so `make run` shows tracking answers, return tickets, off-hours replies and
conversations handed to agents. The templates are the demo templates, found by title."""

from datetime import time

from django.db import transaction

from automation.demo import (
    GREETING,
    NO_TRACKING_YET,
    OFF_HOURS,
    RETURN_REFUND,
    SHIPPING_TIME,
    TRACKING_ANSWER,
)
from automation.models import AutoReplyRule, ReplyTemplate
from integrations.business_hours import BusinessCalendar, BusinessPeriod
from integrations.demo import DEMO_SHOPS
from integrations.models import Shop
from tickets.models import TicketType

# The MY demo shop works weekdays with a lunch break and Saturday mornings, in its own time
# zone: evenings, nights and Sundays are off-hours there.
MY_SITE = "MY"
MY_TIME_ZONE = "Asia/Kuala_Lumpur"
MY_PERIODS = [
    *((day, time(9), time(12, 30)) for day in range(5)),
    *((day, time(13, 30), time(18)) for day in range(5)),
    (5, time(10), time(14)),
]


def _rules(templates: dict[str, ReplyTemplate], returns: TicketType | None) -> list[dict]:
    return [
        {
            "name": "Where is my parcel: tracking answer",
            "priority": 10,
            "intents": ["tracking"],
            "has_order": AutoReplyRule.HasOrder.YES,
            "answer_tracking": True,
            "template": templates.get(TRACKING_ANSWER),
            "not_shipped_template": templates.get(NO_TRACKING_YET),
            "add_tags": ["tracking"],
            "cooldown_seconds": 1800,
        },
        {
            "name": "Return or refund: ticket and agent",
            "priority": 20,
            "intents": ["return_refund"],
            "template": templates.get(RETURN_REFUND),
            "ticket_type": returns,
            "add_tags": ["return"],
            "hand_to_human": True,
        },
        {
            "name": "Off-hours",
            "priority": 30,
            "business_hours": AutoReplyRule.BusinessHours.CLOSED,
            "template": templates.get(OFF_HOURS),
            "add_tags": ["off-hours"],
            "cooldown_seconds": 12 * 3600,
        },
        {
            "name": "Shipping time",
            "priority": 40,
            "intents": ["shipping_time"],
            "template": templates.get(SHIPPING_TIME),
        },
        {
            "name": "Greeting on the first message",
            "priority": 50,
            "intents": ["greeting_thanks"],
            "first_message_only": True,
            "template": templates.get(GREETING),
        },
    ]


@transaction.atomic
def demo_rules_seed() -> int:
    """The demo rules (by name) and the MY shop's calendar; returns the rules created."""
    titles = [GREETING, OFF_HOURS, TRACKING_ANSWER, NO_TRACKING_YET, RETURN_REFUND, SHIPPING_TIME]
    templates = {
        t.title: t for t in ReplyTemplate.objects.filter(title__in=titles, shop__isnull=True)
    }
    returns = TicketType.objects.filter(code="return_refund").first()
    created = 0
    for fields in _rules(templates, returns):
        _, made = AutoReplyRule.objects.get_or_create(name=fields.pop("name"), defaults=fields)
        created += made
    _my_calendar()
    return created


def _my_calendar() -> None:
    shop_ids = [shop_id for shop_id, site, _ in DEMO_SHOPS if site == MY_SITE]
    for shop in Shop.objects.filter(platform_shop_id__in=shop_ids):
        calendar, made = BusinessCalendar.objects.get_or_create(
            shop=shop, defaults={"time_zone": MY_TIME_ZONE}
        )
        if made:
            BusinessPeriod.objects.bulk_create(
                BusinessPeriod(calendar=calendar, weekday=day, starts_at=start, ends_at=end)
                for day, start, end in MY_PERIODS
            )
