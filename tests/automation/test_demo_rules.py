"""The demo's rules: seeded once, wired to the demo templates, and the MY shop has off-hours."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from automation.models import AutoReplyRule
from integrations.business_hours import business_seconds_between, work_calendar_for_shop
from integrations.demo import DEMO_SHOPS
from integrations.models import Shop

pytestmark = pytest.mark.django_db


def test_the_demo_rules_are_seeded_once_with_their_templates_and_the_my_shop_has_hours():
    call_command("seed_demo")
    call_command("seed_demo_automation")
    call_command("seed_demo_automation")  # idempotent
    rules = list(AutoReplyRule.objects.order_by("priority"))
    assert len(rules) == 5 and all(r.is_active for r in rules)
    tracking = rules[0]
    assert tracking.answer_tracking and tracking.template and tracking.not_shipped_template
    returns = next(r for r in rules if "return_refund" in r.intents)
    assert returns.ticket_type.code == "return_refund" and returns.hand_to_human
    assert all(r.template_id for r in rules)
    for rule in rules:
        rule.full_clean()  # what the admin would accept

    my_id = next(shop_id for shop_id, site, _ in DEMO_SHOPS if site == "MY")
    calendar = work_calendar_for_shop(Shop.objects.get(platform_shop_id=my_id))
    zone = ZoneInfo("Asia/Kuala_Lumpur")
    monday_10 = datetime(2026, 12, 7, 10, tzinfo=zone)
    sunday_10 = monday_10 - timedelta(days=1)
    second = timedelta(seconds=1)
    assert business_seconds_between(calendar, monday_10, monday_10 + second) == 1
    assert business_seconds_between(calendar, sunday_10, sunday_10 + second) == 0
    evening = monday_10.replace(hour=20)
    assert business_seconds_between(calendar, evening, evening + second) == 0
