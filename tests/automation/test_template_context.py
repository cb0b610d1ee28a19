"""The variables' values come from the marketplace (the simulator on loopback), fetched outside
any transaction and cached; a failing marketplace leaves the cached values and says so."""

import pytest

from automation.demo import NO_TRACKING_YET, TRACKING_ANSWER, demo_templates_seed
from automation.models import ReplyTemplate
from automation.services.templates import template_context_fetch, template_render
from chat.models import BuyerOrder, Conversation
from chat.services.messages import message_ingest
from integrations.shopee.mapping import message_from_shopee
from integrations.shopee.simulator import advance_order, buyer_message, place_order

pytestmark = pytest.mark.django_db


def conversation_with_order(simulator, shop, status=None):
    sim_message = buyer_message(simulator.sim, shop_id=shop.platform_shop_id, text="Mana parcel?")
    with simulator.sim.lock:
        public = simulator.sim.public_message(sim_message)
    message_ingest(shop=shop, message=message_from_shopee(public, shop_id=shop.platform_shop_id))
    conversation = Conversation.objects.get(shop=shop)
    order = place_order(
        simulator.sim, shop_id=shop.platform_shop_id, buyer_id=int(conversation.buyer_platform_id)
    )
    if status:
        advance_order(simulator.sim, order_sn=order["order_sn"], status=status)
    # The order is known from the push that announced it (cached, maybe stale).
    BuyerOrder.objects.create(
        shop=shop, order_ref=order["order_sn"], buyer_platform_id=conversation.buyer_platform_id
    )
    return conversation, order


def test_a_shipped_order_fills_the_tracking_answer_with_the_real_number(simulator, shop):
    conversation, order = conversation_with_order(simulator, shop, status="SHIPPED")
    context = template_context_fetch(conversation=conversation)
    with simulator.sim.lock:
        number = simulator.sim.orders[order["order_sn"]]["_tracking_no"]
    assert number and context["tracking_number"] == number and context["errors"] == []
    assert context["order_number"] == order["order_sn"] and context["order_status"] == "shipped"
    assert context["latest_tracking_event"] == "Parcel status: SHIPPED"
    assert context["ship_by_date"]  # set once paid
    cached = BuyerOrder.objects.get(order_ref=order["order_sn"])
    assert cached.tracking_number == number and cached.ship_by_at is not None

    demo_templates_seed()
    rendered = template_render(
        template=ReplyTemplate.objects.get(title=TRACKING_ANSWER),
        conversation=conversation,
        buyer_language="ms",
        context=context,
    )
    assert rendered.language == "ms" and number in rendered.text
    assert "Standard Delivery" in rendered.text and rendered.missing == ()


def test_an_order_without_tracking_yet_says_so_and_gives_the_ship_by_date(simulator, shop):
    conversation, order = conversation_with_order(simulator, shop, status="READY_TO_SHIP")
    context = template_context_fetch(conversation=conversation)
    assert context["tracking_number"] == "" and context["ship_by_date"]
    demo_templates_seed()
    tracking = template_render(
        template=ReplyTemplate.objects.get(title=TRACKING_ANSWER),
        conversation=conversation,
        context=context,
    )
    assert "tracking_number" in tracking.missing  # an auto-reply must not send this one
    waiting = template_render(
        template=ReplyTemplate.objects.get(title=NO_TRACKING_YET),
        conversation=conversation,
        buyer_language="en",
        context=context,
    )
    assert waiting.missing == () and "being prepared" in waiting.text
    assert order["order_sn"] in waiting.text


def test_an_unpaid_order_has_no_ship_by_date_yet(simulator, shop):
    conversation, _ = conversation_with_order(simulator, shop)
    context = template_context_fetch(conversation=conversation)
    assert context["order_status"] == "unpaid" and context["ship_by_date"] == ""


def test_a_failing_marketplace_degrades_to_the_cached_values_and_says_which_failed(simulator, shop):
    conversation, order = conversation_with_order(simulator, shop)
    BuyerOrder.objects.filter(order_ref=order["order_sn"]).update(
        tracking_number="CACHED1", carrier="J&T", status_code="shipped"
    )
    simulator.sim.faults.script("order/get_order_detail", [500] * 20)
    context = template_context_fetch(conversation=conversation)
    assert context["errors"] and context["errors"][0].startswith("order:")
    assert (context["tracking_number"], context["carrier"]) == ("CACHED1", "J&T")
    assert context["buyer_name"] == conversation.buyer_name


def test_a_buyer_without_any_known_order_gets_names_only(simulator, shop):
    sim_message = buyer_message(simulator.sim, shop_id=shop.platform_shop_id, text="Hi")
    with simulator.sim.lock:
        public = simulator.sim.public_message(sim_message)
    message_ingest(shop=shop, message=message_from_shopee(public, shop_id=shop.platform_shop_id))
    conversation = Conversation.objects.get(shop=shop)
    context = template_context_fetch(conversation=conversation)
    assert context["shop_name"] == shop.name and "order_number" not in context
    assert context["errors"] == []
