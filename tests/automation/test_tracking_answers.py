"""Tracking answers: a buyer with an order asks where it is and gets the tracking number,
carrier and latest event from the logistics API, or the ship-by date before it ships. Proactive
tracking messages only for a shop that opted in, once per status."""

import pytest

from automation.models import AutoReplyRun, ShopAutomation, TrackingUpdate
from chat.models import BuyerOrder, Conversation, Message
from integrations.shopee.simulator import advance_order, buyer_message, place_order
from tests.automation.conftest import auto_replies, rule, template

pytestmark = pytest.mark.django_db

BUYER = 880_000_001


@pytest.fixture
def tracking_rule():
    shipped = template(
        "Tracking answer",
        ms="Pesanan {{order_number}} dihantar dengan {{carrier}}, nombor penjejakan "
        "{{tracking_number}}: {{latest_tracking_event}}",
        en="Order {{order_number}} shipped with {{carrier}}, tracking {{tracking_number}}: "
        "{{latest_tracking_event}}",
    )
    waiting = template(
        "No tracking yet",
        ms="Pesanan {{order_number}} belum ada nombor penjejakan. Ia akan dihantar sebelum "
        "{{ship_by_date}}.",
        en="Order {{order_number}} has no tracking number yet. It ships by {{ship_by_date}}.",
    )
    return rule(
        "tracking",
        intents=["tracking"],
        has_order="yes",
        answer_tracking=True,
        template=shipped,
        not_shipped_template=waiting,
    )


def _order(simulator, pump, status):
    order = place_order(simulator.sim, shop_id=simulator.sim_shop_id, buyer_id=BUYER)
    advance_order(simulator.sim, order_sn=order["order_sn"], status=status)
    pump()  # the order's pushes: the order is cached for the buyer
    return simulator.sim.orders[order["order_sn"]]


@pytest.fixture
def sim(simulator, shop):
    simulator.sim_shop_id = shop.platform_shop_id
    return simulator


def _ask(sim, pump, text="Di mana pesanan saya?"):
    buyer_message(sim.sim, shop_id=sim.sim_shop_id, buyer_id=BUYER, text=text, lang="ms")
    pump()
    return Conversation.objects.get(buyer_platform_id=str(BUYER))


def test_a_shipped_order_is_answered_with_its_tracking_number_carrier_and_latest_event(
    sim, pump, classified, tracking_rule
):
    classified("ms", "tracking")
    order = _order(sim, pump, "SHIPPED")
    assert order["_tracking_no"]
    conversation = _ask(sim, pump)
    (reply,) = auto_replies(conversation)
    assert reply.status == Message.Status.SENT  # accepted by the marketplace's auto-reply call
    assert order["_tracking_no"] in reply.text and order["order_sn"] in reply.text
    assert order["shipping_carrier"] in reply.text
    assert order["_tracking_events"][-1]["description"] in reply.text
    assert reply.text.startswith("Pesanan")  # the buyer's language
    run = AutoReplyRun.objects.get(reply=reply)
    assert run.outcome == AutoReplyRun.Outcome.SENT and not run.handed_to_human


def test_an_order_without_tracking_number_says_so_with_the_ship_by_date(
    sim, pump, classified, tracking_rule
):
    classified("ms", "tracking")
    order = _order(sim, pump, "READY_TO_SHIP")
    assert not order["_tracking_no"]
    (reply,) = auto_replies(_ask(sim, pump))
    assert "belum ada nombor penjejakan" in reply.text and order["order_sn"] in reply.text
    assert "{{" not in reply.text  # the ship-by date is filled in


def test_a_buyer_without_an_order_is_not_given_a_tracking_answer(
    sim, pump, classified, tracking_rule
):
    classified("ms", "tracking")
    conversation = _ask(sim, pump)
    assert auto_replies(conversation) == []
    assert not BuyerOrder.objects.exists()


def test_no_proactive_tracking_message_unless_the_shop_opted_in(
    sim, shop, pump, classified, tracking_rule
):
    classified("ms", "greeting_thanks")
    order = _order(sim, pump, "READY_TO_SHIP")
    conversation = _ask(sim, pump, "hai")  # the buyer chatted: a message could be sent
    advance_order(sim.sim, order_sn=order["order_sn"], status="SHIPPED")
    pump()
    assert auto_replies(conversation) == [] and not TrackingUpdate.objects.exists()


def test_an_opted_in_shop_sends_the_tracking_template_once_per_status(
    sim, shop, pump, classified, tracking_rule
):
    classified("ms", "greeting_thanks")
    ShopAutomation.objects.create(
        shop=shop, proactive_tracking_updates=True, tracking_template=tracking_rule.template
    )
    order = _order(sim, pump, "READY_TO_SHIP")
    conversation = _ask(sim, pump, "hai")
    advance_order(sim.sim, order_sn=order["order_sn"], status="SHIPPED")
    pump()
    (update,) = auto_replies(conversation)
    assert order["_tracking_no"] in update.text
    assert TrackingUpdate.objects.get().reply == update
    # The same status pushed again sends nothing more.
    from chat.signals import order_updated

    cached = BuyerOrder.objects.get(order_ref=order["order_sn"])
    from automation.services.tracking_updates import tracking_update_notify

    assert tracking_update_notify(order_id=cached.pk) is None
    assert order_updated.has_listeners(BuyerOrder)
    assert len(auto_replies(conversation)) == 1


def test_a_tracking_answer_whose_tracking_cannot_be_read_goes_to_a_human(
    sim, pump, classified, tracking_rule
):
    classified("ms", "tracking")
    _order(sim, pump, "SHIPPED")
    sim.sim.faults.script("logistics/get_tracking_info", [500] * 20)
    conversation = _ask(sim, pump)
    assert auto_replies(conversation) == []
    run = AutoReplyRun.objects.get(conversation=conversation)
    assert run.outcome == AutoReplyRun.Outcome.NO_TEMPLATE and run.code == "missing_values"
    assert "latest_tracking_event" in run.reason and run.handed_to_human
