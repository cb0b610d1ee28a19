"""The rule engine: each condition and action, first match by priority, cooldown, replays."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from automation.models import AutoReplyRule, AutoReplyRun
from automation.services.auto_reply import message_automate
from chat.models import AgentGroup, BuyerOrder, Conversation, Message
from integrations.business_hours import BusinessCalendar, BusinessPeriod
from tests.automation.conftest import auto_replies, deliver, rule, template
from tickets.models import Ticket, TicketType

pytestmark = pytest.mark.django_db

Outcome = AutoReplyRun.Outcome


@pytest.fixture
def hello():
    return template("Hello", en="Hello {{buyer_name}}", ms="Hai {{buyer_name}}")


def _run(message) -> AutoReplyRun | None:
    message_automate(message_id=message.pk)
    return AutoReplyRun.objects.filter(message=message).first()


def test_a_matching_rule_sends_its_template_as_a_marked_auto_reply_in_the_buyers_language(
    shop, say, classified, hello
):
    rule("greet", intents=["greeting_thanks"], template=hello)
    message = say(shop, "hai")
    run = _run(message)
    assert run.outcome == Outcome.SENT and not run.handed_to_human
    (reply,) = auto_replies(message.conversation)
    assert reply.pk == run.reply_id
    assert reply.sender_user_id is None and reply.direction == Message.Direction.OUTBOUND
    assert reply.text.startswith("Hai ")
    assert deliver(reply).status == Message.Status.SENT  # through the auto-reply call
    message.refresh_from_db()
    assert (message.language, message.intent) == ("ms", "greeting_thanks")


@pytest.mark.parametrize(
    ("fields", "matches"),
    [
        ({"intents": ["greeting_thanks"]}, True),
        ({"intents": ["tracking", "cancel"]}, False),
        ({"languages": ["ms", "id"]}, True),
        ({"languages": ["th"]}, False),
        ({"keywords": ["HARGA", "diskaun"]}, True),  # case-insensitive substring
        ({"keywords": ["refund"]}, False),
        ({"site": "my"}, True),
        ({"site": "TH"}, False),
        ({"first_message_only": True}, True),
        ({"has_order": "no"}, True),
        ({"has_order": "yes"}, False),
        ({"business_hours": "open"}, True),  # no calendar: always open
        ({"business_hours": "closed"}, False),
    ],
)
def test_each_condition(shop, say, classified, hello, fields, matches):
    rule("r", template=hello, **fields)
    run = _run(say(shop, "berapa harga ni?"))
    assert (run is not None) is matches


def test_a_rule_of_another_shop_does_not_apply(shop, say, classified, hello):
    from tests.factories import ShopFactory

    rule("other shop", shop=ShopFactory(), template=hello)
    assert _run(say(shop, "hai")) is None
    rule("this shop", shop=shop, template=hello)
    assert _run(say(shop, "hai lagi")) is not None


def test_first_message_only_skips_the_second_message(shop, say, classified, hello, simulator):
    rule("first", first_message_only=True, template=hello, cooldown_seconds=0)
    first = say(shop, "hai")
    assert _run(first) is not None
    buyer = int(first.conversation.buyer_platform_id)
    assert _run(say(shop, "hai lagi", buyer_id=buyer)) is None


def test_has_order_from_the_cached_orders(shop, say, classified, hello):
    rule("ordered", has_order="yes", template=hello)
    message = say(shop, "hai")
    BuyerOrder.objects.create(
        shop=shop, order_ref="2612ABC", buyer_platform_id=message.conversation.buyer_platform_id
    )
    assert _run(message) is not None


def test_business_hours_from_the_shops_calendar(shop, say, classified, hello):
    calendar = BusinessCalendar.objects.create(shop=shop, time_zone="Asia/Kuala_Lumpur")
    now = timezone.now().astimezone(calendar.zone if hasattr(calendar, "zone") else None)
    # A one-minute period that is over: the shop is closed now, every day.
    for weekday in range(7):
        BusinessPeriod.objects.create(
            calendar=calendar, weekday=weekday, starts_at=time(3, 0), ends_at=time(3, 1)
        )
    if time(3, 0) <= now.time() < time(3, 2):
        pytest.skip("the test's closed minute is now")
    closed = rule("closed", business_hours="closed", template=hello, priority=2)
    rule("open", business_hours="open", template=hello, priority=1)
    run = _run(say(shop, "hai"))
    assert run.rule_id == closed.pk


def test_first_match_by_priority_then_by_id(shop, say, classified, hello):
    bye = template("Bye", ms="Selamat tinggal")
    later = rule("later", priority=5, template=bye)
    first = rule("first", priority=5, template=hello)  # same priority, newer: loses the tie
    assert first.pk > later.pk
    winner = rule("winner", priority=1, template=hello, intents=["greeting_thanks"])
    message = say(shop, "hai")
    runs = list(AutoReplyRun.objects.filter(message=message))
    assert runs == []
    run = _run(message)
    assert run.rule_id == winner.pk
    assert AutoReplyRun.objects.filter(message=message).count() == 1  # one rule fires
    winner.is_active = False
    winner.save()
    assert _run(say(shop, "hai", lang="ms")).rule_id == later.pk


def test_tags_group_and_ticket_actions(shop, say, classified):
    classified("vi", "return_refund")
    group = AgentGroup.objects.create(name="Returns")
    group.shops.add(shop)
    returns = TicketType.objects.get_or_create(code="return_refund", defaults={"name": "Return"})[0]
    rule(
        "returns",
        intents=["return_refund"],
        add_tags=["return", "auto"],
        assign_group=group,
        ticket_type=returns,
    )
    message = say(shop, "tôi muốn trả hàng")
    run = _run(message)
    conversation = Conversation.objects.get(pk=message.conversation_id)
    assert conversation.tags == ["return", "auto"] and conversation.group == group
    ticket = Ticket.objects.get(pk=run.ticket_id)
    assert ticket.ticket_type == returns and ticket.source == Ticket.Source.RULE
    assert list(ticket.conversations.all()) == [conversation]
    # No template: nobody answered the buyer, so a human takes it.
    assert run.outcome == Outcome.ACTIONS_ONLY and run.handed_to_human


def test_an_inactive_ticket_type_records_why_and_keeps_the_other_actions(shop, say, classified):
    kind = TicketType.objects.create(code="gone", name="Gone", is_active=False)
    rule("r", ticket_type=kind, add_tags=["x"])
    run = _run(say(shop, "hai"))
    assert run.ticket_id is None and "Ticket not created" in run.reason
    assert Conversation.objects.get(pk=run.conversation_id).tags == ["x"]


def test_hand_to_human_after_the_auto_reply(shop, say, classified, hello):
    rule("greet and route", template=hello, hand_to_human=True)
    run = _run(say(shop, "hai"))
    assert run.outcome == Outcome.SENT and run.handed_to_human


def test_cooldown_per_conversation_and_rule(shop, say, classified, hello):
    greet = rule("greet", template=hello, cooldown_seconds=3600)
    first = say(shop, "hai")
    assert _run(first).outcome == Outcome.SENT
    buyer = int(first.conversation.buyer_platform_id)
    second = _run(say(shop, "hai hai", buyer_id=buyer))
    assert second.outcome == Outcome.COOLDOWN and second.handed_to_human
    assert len(auto_replies(first.conversation)) == 1
    # Past the cooldown the rule fires again (another buyer's conversation is unaffected).
    AutoReplyRun.objects.filter(rule=greet).update(
        created_at=timezone.now() - timedelta(seconds=3601)
    )
    third = _run(say(shop, "hello", buyer_id=buyer))
    assert third.outcome != Outcome.COOLDOWN
    assert _run(say(shop, "hai", buyer_id=buyer + 1)).outcome == Outcome.SENT


def test_a_replayed_message_never_sends_twice(shop, say, classified, hello):
    rule("greet", template=hello)
    message = say(shop, "hai")
    message_automate(message_id=message.pk)
    result = message_automate(message_id=message.pk)
    assert result.run is None and result.reason == "already automated"
    assert len(auto_replies(message.conversation)) == 1
    assert AutoReplyRun.objects.filter(message=message).count() == 1


def test_an_inactive_rule_never_fires(shop, say, classified, hello):
    rule("off", template=hello, is_active=False)
    result = message_automate(message_id=say(shop, "hai").pk)
    assert result.run is None and result.handed_to_human


def test_a_template_without_any_variant_records_no_template(shop, say, classified):
    empty = template("Empty")
    rule("empty", template=empty)
    run = _run(say(shop, "hai"))
    assert run.outcome == Outcome.NO_TEMPLATE and run.handed_to_human
    assert AutoReplyRule.objects.count() == 1
