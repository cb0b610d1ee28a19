"""The open thread in real headless Chromium: messages stand in the marketplace's order however
they arrive (pushed out of order, live or on a reload), and a reply typed in Seller Centre, which
Shopee never pushes, appears without a reload once reconciliation pulls it."""

import pytest

from chat.models import Conversation, InboundEvent, Message
from chat.services.pipeline.reconcile import shop_reconcile
from integrations.shopee.simulator import buyer_message
from integrations.shopee.simulator.traffic import seller_centre_reply
from tests.browser.conftest import ARTIFACTS, MY_SHOP
from tests.browser.helpers import login, open_page, wait_for
from tests.chat.conftest import connect
from tests.factories import AgentGroupFactory, TOTPDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

BUYER = 7301


def _thread(page) -> list[str]:
    return page.locator("#messages .msg .bubble").all_inner_texts()


def _buyer_writes(sim, text: str):
    return buyer_message(sim, shop_id=MY_SHOP, buyer_id=BUYER, username="lina_w", text=text)


def test_thread_order_and_pulled_replies_live(live_stack, browser):
    base_url, handle = live_stack
    sim = handle.sim
    shop = connect(sim, MY_SHOP, "MY")
    agent = UserFactory(first_name="Mei", last_name="Lin")
    device = TOTPDeviceFactory(user=agent)
    AgentGroupFactory(shops=[shop], members=[agent])

    sim.advance_clock(60)  # the buyer's later question is pushed first...
    _buyer_writes(sim, "Also, can you gift wrap it?")
    wait_for(
        lambda: Message.objects.count() == 1,
        "the first push",
        debug=lambda: list(InboundEvent.objects.values_list("status", "error")),
    )
    _context, page, errors = open_page(browser)
    login(page, base_url, agent, device)
    page.click(".conv >> text=Also, can you gift wrap it?")
    page.wait_for_selector(".msg.in >> text=Also, can you gift wrap it?")

    sim.advance_clock(-30)  # ...and the question written 30 s before it arrives now, live
    _buyer_writes(sim, "Is the linen shirt still in stock?")
    page.wait_for_selector(".msg.in >> text=Is the linen shirt still in stock?")
    expected = ["Is the linen shirt still in stock?", "Also, can you gift wrap it?"]
    assert _thread(page) == expected  # inserted at its place, not appended
    page.reload()
    page.wait_for_selector(".msg.in >> text=Is the linen shirt still in stock?")
    assert _thread(page) == expected  # and so on the first render

    # Someone answers in Seller Centre: Shopee pushes nothing, reconciliation pulls it.
    page.wait_for_selector("#conn[data-state=live]", timeout=5000)
    sim.advance_clock(60)
    reply = seller_centre_reply(sim, shop_id=MY_SHOP)
    result = shop_reconcile(shop=shop)
    assert result.messages_created == 1
    conversation = Conversation.objects.get()
    assert conversation.awaiting_reply_since is None  # the reply counts, as stored
    page.wait_for_selector(f".msg.out.outside >> text={reply['content']['text']}", timeout=5000)
    assert _thread(page) == [*expected, reply["content"]["text"]]
    page.screenshot(path=ARTIFACTS / "console-thread-order.png")
    assert errors == []
    page.close()
