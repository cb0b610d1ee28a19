"""A buyer message classified while the console shows it: its language and intent tags appear
live (chat.message_updated), and stay on a reload (the REST message carries them)."""

import pytest

from chat.models import InboundEvent, Message
from integrations.shopee.simulator import buyer_message
from tests.browser.conftest import MY_SHOP
from tests.browser.helpers import login, open_page, wait_for
from tests.chat.conftest import connect
from tests.factories import AgentGroupFactory, TOTPDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_console_shows_a_buyer_message_language_and_intent(live_stack, browser):
    base_url, handle = live_stack
    sim = handle.sim
    shop = connect(sim, MY_SHOP, "MY")
    agent = UserFactory(first_name="Mei", last_name="Lin")
    device = TOTPDeviceFactory(user=agent)
    AgentGroupFactory(shops=[shop], members=[agent])
    text = "sis tolong cancel order saya, tersalah pilih warna"
    buyer_message(sim, shop_id=MY_SHOP, buyer_id=7401, username="aina", text=text)
    wait_for(
        lambda: Message.objects.count() == 1,
        "the push",
        debug=lambda: list(InboundEvent.objects.values_list("status", "error")),
    )
    _context, page, errors = open_page(browser)
    login(page, base_url, agent, device)
    page.click(f".conv >> text={text}")
    page.wait_for_selector(f".msg.in >> text={text}")
    page.wait_for_selector("#conn[data-state=live]", timeout=5000)
    # The automation pipeline classifies every new buyer message as it arrives.
    page.wait_for_selector(".msg.in .tag.lang >> text=MS")
    stored = Message.objects.get()
    assert (stored.language, stored.intent) == ("ms", "cancel")
    assert page.locator(".msg.in .tag.intent").inner_text() == "Cancellation"
    page.reload()
    page.wait_for_selector(".msg.in .tag.intent[data-intent=cancel]")
    assert errors == []
