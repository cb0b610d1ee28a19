"""The console in real headless Chromium against a real daphne server: 2FA login, a buyer's
message arriving live, a reply reaching Shopee (the simulator), and refused sends explained.
Screenshots go to test-artifacts/."""

import pytest
from playwright.sync_api import expect

from chat.models import Conversation, InboundEvent
from integrations.shopee.simulator import buyer_message, place_order
from tests.browser.conftest import ARTIFACTS, MY_SHOP, TW_SHOP
from tests.browser.helpers import login, open_page, wait_for
from tests.chat.conftest import connect
from tests.factories import AgentGroupFactory, TOTPDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_agent_works_a_live_conversation_in_the_browser(live_stack, browser):
    base_url, handle = live_stack
    sim = handle.sim
    my, tw = connect(sim, MY_SHOP, "MY"), connect(sim, TW_SHOP, "TW")
    agent = UserFactory(first_name="Mei", last_name="Lin")
    device = TOTPDeviceFactory(user=agent)
    AgentGroupFactory(shops=[my, tw], members=[agent])
    # Some history, pushed for real through daphne's webhook.
    history = [
        (MY_SHOP, 7001, "aisyah_k", "Hi, do you ship to Penang?"),
        (MY_SHOP, 7002, "farid88", "Boleh COD?"),
        (TW_SHOP, 7003, "chen_tw", "請問有現貨嗎？"),
    ]
    for shop_id, buyer_id, name, text in history:
        buyer_message(sim, shop_id=shop_id, buyer_id=buyer_id, username=name, text=text)
    wait_for(
        lambda: Conversation.objects.count() == 3,
        "the first pushes",
        debug=lambda: list(InboundEvent.objects.values_list("status", "error")),
    )
    place_order(sim, shop_id=MY_SHOP, buyer_id=7004)

    _context, page, errors = open_page(browser)
    login(page, base_url, agent, device)
    page.wait_for_selector(".conv >> text=Boleh COD?")
    page.screenshot(path=ARTIFACTS / "console-inbox.png")

    # A new buyer writes: the row appears without a reload, within a second.
    buyer_message(
        sim, shop_id=MY_SHOP, buyer_id=7004, username="nurul.h", text="Is the red one in stock?"
    )
    page.wait_for_selector(".conv >> text=Is the red one in stock?", timeout=1000)

    # Reply with Enter; the message turns "sent" and Shopee (the simulator) has it.
    page.click(".conv >> text=Is the red one in stock?")
    page.wait_for_selector(".msg.in >> text=Is the red one in stock?")
    page.fill("#reply", "Yes! Red is in stock and ships today.")
    page.press("#reply", "Enter")
    try:
        page.wait_for_selector(".msg.out [data-status=sent]", timeout=5000)
    except Exception:
        from chat.models import Message

        page.screenshot(path=ARTIFACTS / "debug.png")
        print(list(Message.objects.filter(direction="out").values("status", "failure_reason")))
        raise
    assert sim.snapshot_stats()["messages_sent_by_seller"] == 1
    # The box empties when the send's answer arrives, which may come after the "sent" event.
    expect(page.locator("#reply")).to_have_value("", timeout=5000)
    page.screenshot(path=ARTIFACTS / "console-thread.png")

    # Shift+Enter is a new line; 602 characters are refused with the reason. Resending the same
    # text can never pass, so the bubble offers Edit, not Retry.
    page.fill("#reply", "x" * 600)
    page.press("#reply", "Shift+Enter")
    assert page.input_value("#reply") == "x" * 600 + "\n"
    page.type("#reply", "y")
    assert page.input_value("#reply") == "x" * 600 + "\ny"
    assert "602 / 600" in page.text_content("#counter")
    page.press("#reply", "Enter")
    page.wait_for_selector(".msg.failed .fail-reason >> text=602 characters")
    assert page.is_visible(".msg.failed .fail-reason >> role=button[name='Edit']")
    assert page.locator(".msg.failed .fail-reason >> role=button[name='Retry']").count() == 0
    assert "602 characters" in page.text_content("#composer-error")
    assert page.input_value("#reply").startswith("x")  # kept, to be shortened
    page.screenshot(path=ARTIFACTS / "console-refused.png")

    # TW has no chat API: the refusal says so.
    page.click(".conv >> text=請問有現貨嗎？")
    page.wait_for_selector(".msg.in >> text=請問有現貨嗎？")
    page.fill("#reply", "您好，有現貨。")  # fill replaces the kept text
    page.press("#reply", "Enter")
    page.wait_for_selector(".msg.failed .fail-reason >> text=TW")
    assert sim.snapshot_stats()["messages_sent_by_seller"] == 1

    # The switcher turns the whole console into Simplified Chinese, live connection included,
    # as soon as the language is picked (the button is only for browsers without JS).
    assert not page.is_visible("[data-lang-submit]")
    page.select_option("select[name=language]", "zh-hans")
    page.wait_for_selector("html[lang=zh-hans]")
    page.wait_for_selector("#conn[data-state=live]", timeout=5000)
    page.click(".conv >> text=Yes! Red is in stock and ships today.")  # now its last message
    page.wait_for_selector(".msg.out [data-status=sent]")
    assert page.is_visible("text=发送")  # the Send button
    page.wait_for_selector(".msg.failed .fail-reason >> text=消息有 602 个字符")  # the refusal too
    page.wait_for_selector(".ostatus >> text=待付款")  # and Shopee's order status
    page.screenshot(path=ARTIFACTS / "console-zh-hans.png")
    assert errors == []  # no JavaScript errors on the way
    page.close()
