"""The console's details in real headless Chromium: what shows before a conversation is open, the
reply box (counter, reply templates rendered for the conversation, refusals and their retry),
the orders panel's wording, the layouts at 1440, 1024 and 390 px, and dates, times and money
in the page's language.
Screenshots go to test-artifacts/ (looked at, never compared)."""

import re
from itertools import pairwise

import pytest
from playwright.sync_api import expect

from automation.services.template_store import template_save
from chat.models import Conversation, InboundEvent
from integrations.shopee.simulator import (
    advance_order,
    buyer_message,
    place_order,
    request_return,
)
from tests.browser.conftest import ARTIFACTS, MY_SHOP
from tests.browser.helpers import login, open_page, wait_for
from tests.chat.conftest import connect
from tests.factories import AgentGroupFactory, TOTPDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

BROKEN = "My rice cooker arrived broken"
REPLY = "We will send a replacement today."


def _shop_with_a_return(sim):
    """A MY shop with a long name, one buyer with a shipped order under return, another writing
    in Chinese, and a reply template with a variable."""
    my = connect(sim, MY_SHOP, "MY")
    my.name = "Sunny Mall Official Flagship Store Malaysia"
    my.save(update_fields=["name"])
    template_save(
        title="Thanks",
        variants={
            "en": "Thank you for waiting, {{buyer_name}}!",
            "ms": "Terima kasih, {{buyer_name}}!",
        },
    )
    buyer_message(sim, shop_id=MY_SHOP, buyer_id=7101, username="buyer_7101", text=BROKEN)
    order = place_order(sim, shop_id=MY_SHOP, buyer_id=7101)
    advance_order(sim, order_sn=order["order_sn"], status="SHIPPED")
    request_return(sim, order_sn=order["order_sn"])  # reason DAMAGED_PRODUCT
    buyer_message(sim, shop_id=MY_SHOP, buyer_id=7102, username="李小龙", text="有货吗？")
    wait_for(
        lambda: Conversation.objects.count() == 2,
        "the pushes",
        debug=lambda: list(InboundEvent.objects.values_list("status", "error")),
    )
    return my


def _agent(shop):
    agent = UserFactory(first_name="Mei", last_name="Lin")
    AgentGroupFactory(shops=[shop], members=[agent])
    return agent, TOTPDeviceFactory(user=agent)


def _box(page, selector):
    return page.eval_on_selector(
        selector,
        "e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; }",
    )


def _screenshot(page, name):
    page.evaluate("document.querySelectorAll('.toast').forEach(t => t.remove())")
    page.screenshot(path=ARTIFACTS / name)


def _no_horizontal_overflow(page):
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate("document.body.scrollWidth") <= width


def _top_bar_in_one_row(page):
    """Nothing in the top bar wraps onto a second line or runs into its neighbour."""
    boxes = page.eval_on_selector_all(
        ".topbar .brand, .topnav > *, .topbar .lang",
        "els => els.filter(e => e.getClientRects().length).map(e => {"
        " const r = e.getBoundingClientRect(); return [e.className, r.left, r.right, r.height]; })",
    )
    assert all(height <= 32 for *_, height in boxes), boxes
    assert all(a[2] <= b[1] for a, b in pairwise(boxes)), boxes


def test_reply_box_refusals_and_layouts(live_stack, browser):
    base_url, handle = live_stack
    agent, device = _agent(_shop_with_a_return(handle.sim))
    context, page, errors = open_page(browser, timezone_id="Asia/Kuala_Lumpur")
    login(page, base_url, agent, device)

    # Nothing open yet: the prompt only, no empty header bar; the view tabs on one row.
    page.wait_for_selector(".conv >> text=有货吗？")
    assert not page.is_visible("#thread-head") and not page.is_visible("#composer")
    assert page.is_visible("#thread-empty svg")
    tab_tops = page.eval_on_selector_all(".view", "els => els.map(e => e.offsetTop)")
    assert len(tab_tops) == 5 and len(set(tab_tops)) == 1
    # Avatars: the name's first letter (a CJK name's first character), a colour per buyer.
    avatars = page.eval_on_selector_all(
        ".conv .avatar", "els => els.map(e => [e.textContent, e.dataset.tone])"
    )
    assert sorted(text for text, _ in avatars) == ["B", "李"]
    assert all(tone in "01234567" for _, tone in avatars)
    _screenshot(page, "console-1440-empty.png")

    page.click(f".conv >> text={BROKEN}")
    page.wait_for_selector(f".msg.in >> text={BROKEN}")
    assert re.fullmatch(r"\d{2}:\d{2}", page.text_content(".msg.in .msg-time"))
    assert page.text_content(".day") == "Today"
    assert page.evaluate("ConsoleUtil.timeOfDay('2026-11-27T06:05:00Z')") == "14:05"  # 24 h, KL

    # The counter counts what the server will: trimmed, in code points.
    page.fill("#reply", "x" * 600 + "  \n")
    assert page.text_content("#counter") == "600 / 600"
    assert "over" not in page.get_attribute("#counter", "class")
    page.fill("#reply", "\u3000😀😀😀 ")
    assert page.text_content("#counter") == "3 / 600"

    # A template is offered rendered for this conversation (the buyer's name filled in), in
    # the language picked, and goes in at the caret, or over the selection; the draft stays.
    page.wait_for_selector("#templates option >> text=Thanks", state="attached")
    page.select_option("#template-language", "ms")
    malay = "Thanks [ms] Terima kasih, buyer_7101!"
    page.wait_for_selector(f"#templates option >> text={malay}", state="attached")
    page.fill("#reply", "Hello there")
    page.eval_on_selector("#reply", "e => e.setSelectionRange(5, 5)")
    page.select_option("#templates", label=malay)
    assert page.input_value("#reply") == "Hello Terima kasih, buyer_7101! there"
    page.select_option("#template-language", "en")
    english = "Thanks [en] Thank you for waiting, buyer_7101!"
    page.wait_for_selector(f"#templates option >> text={english}", state="attached")
    page.fill("#reply", "Hi! {reply}")
    page.eval_on_selector("#reply", "e => e.setSelectionRange(4, 11)")
    page.select_option("#templates", label=english)
    assert page.input_value("#reply") == "Hi! Thank you for waiting, buyer_7101!"

    # A repeat within 24 h is refused; Retry can pass later, so it is offered, and a retry
    # refused again says so. Editing the text clears the banner.
    page.fill("#reply", REPLY)
    page.press("#reply", "Enter")
    page.wait_for_selector(".msg.out [data-status=sent]", timeout=5000)
    # The answer empties the box (it may come after the "sent" event): typed before it, the
    # same text would be taken for the one sent and cleared.
    expect(page.locator("#reply")).to_have_value("", timeout=5000)
    page.fill("#reply", REPLY)
    page.press("#reply", "Enter")
    page.wait_for_selector(".msg.failed .fail-reason >> text=24 hours")
    assert "24 hours" in page.text_content("#composer-error")
    page.click(".msg.failed .fail-reason >> role=button[name='Retry']")
    page.wait_for_selector(".toast.error >> text=Still not sent")
    assert "24 hours" in page.text_content(".toast.error")
    page.screenshot(path=ARTIFACTS / "console-1440-retry-refused.png")
    page.type("#reply", " Thanks!")
    assert not page.is_visible("#composer-error")

    # The orders panel: money in the page's format, the return's reason in words.
    page.click("#orders-refresh")
    page.wait_for_selector(".return-reason")
    assert page.text_content(".return-reason") == "Item damaged"
    total = page.locator(".order-row", has_text="Total").first.text_content()
    assert re.fullmatch(r"TotalMYR\s[\d,]+\.\d{2}", total), total
    assert page.evaluate("ConsoleUtil.money('125000', 'VND')") == "VND\u00a0125,000"
    _screenshot(page, "console-1440-thread.png")

    # 1024 px: inbox and thread; the header keeps one line each, the orders are a drawer.
    page.set_viewport_size({"width": 1024, "height": 768})
    assert not page.is_visible("#side") and page.is_visible("#t-orders")
    title, actions = _box(page, ".t-title"), _box(page, ".t-actions")
    assert title[2] <= actions[0]  # side by side, not on top of each other
    assert _box(page, "#t-assignee")[2] <= actions[0]
    assert page.evaluate("document.getElementById('t-shop').getClientRects().length") == 1
    assert _box(page, "#t-shop")[3] - _box(page, "#t-shop")[1] < 24  # one line, ellipsised
    _screenshot(page, "console-1024-thread.png")
    page.click("#t-orders")
    assert page.is_visible("#side") and page.get_attribute("#t-orders", "aria-expanded") == "true"
    _screenshot(page, "console-1024-orders.png")
    page.keyboard.press("Escape")
    assert not page.is_visible("#side")
    _no_horizontal_overflow(page)

    # 390 px (a phone): one pane at a time, the thread with a way back; nothing overflows.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.is_visible("#t-back") and page.is_visible("#reply") and page.is_visible("#send")
    assert not page.is_visible("#conv-list")
    _no_horizontal_overflow(page)
    _top_bar_in_one_row(page)
    _screenshot(page, "console-390-thread.png")
    page.click("#t-orders")
    assert page.is_visible("#side") and _box(page, "#side")[2] <= 390
    _no_horizontal_overflow(page)
    _screenshot(page, "console-390-orders.png")
    page.click("#side-close")
    page.click("#t-back")
    page.wait_for_selector("#conv-list", state="visible")
    assert not page.is_visible("#thread")
    _no_horizontal_overflow(page)
    _screenshot(page, "console-390-inbox.png")
    # The phone's own back gesture leaves the thread the same way.
    page.click(".conv >> text=有货吗？")
    page.wait_for_selector(".msg.in >> text=有货吗？")
    assert page.text_content("#t-avatar") == "李"
    page.go_back()
    page.wait_for_selector("#conv-list", state="visible")
    assert errors == []
    context.close()


def test_language_switch_and_chinese_dates_times_and_reasons(live_stack, browser):
    base_url, handle = live_stack
    agent, device = _agent(_shop_with_a_return(handle.sim))
    context, page, errors = open_page(browser, timezone_id="Asia/Kuala_Lumpur")

    # Picking a language applies it at once on every page that has the switcher.
    page.goto(f"{base_url}/accounts/login/")
    assert not page.is_visible("[data-lang-submit]")
    page.select_option("select[name=language]", "zh-hans")
    page.wait_for_selector("html[lang=zh-hans]")
    assert page.is_visible("h1 >> text=登录")
    page.set_viewport_size({"width": 390, "height": 844})
    _no_horizontal_overflow(page)
    _screenshot(page, "login-390-zh-hans.png")
    page.set_viewport_size({"width": 1440, "height": 900})
    login(page, base_url, agent, device, login_path="/zh-hans/accounts/login/")

    page.wait_for_selector(".conv >> text=有货吗？")
    assert all(
        re.fullmatch(r"\d{2}:\d{2}", t)
        for t in page.eval_on_selector_all(".conv-time", "els => els.map(e => e.textContent)")
    )
    page.click(f".conv >> text={BROKEN}")
    page.wait_for_selector(f".msg.in >> text={BROKEN}")
    assert page.text_content(".day") == "今天"
    assert re.fullmatch(r"\d{2}:\d{2}", page.text_content(".msg.in .msg-time"))
    assert page.evaluate("ConsoleUtil.timeOfDay('2026-11-27T06:05:00Z')") == "14:05"
    this_year = "new Date(new Date().getFullYear(), 10, 27, 12).toISOString()"
    assert page.evaluate(f"ConsoleUtil.shortDate({this_year})") == "11月27日"
    page.click("#orders-refresh")
    page.wait_for_selector(".return-reason")
    assert page.text_content(".return-reason") == "商品损坏"
    assert page.locator(".order-row", has_text="合计").count() == 1
    _screenshot(page, "console-1440-zh-hans-orders.png")

    # The open conversation survives a switch back to English.
    page.select_option("select[name=language]", "en")
    page.wait_for_selector("html[lang=en]")
    page.wait_for_selector(f".msg.in >> text={BROKEN}")
    assert errors == []
    context.close()


def test_the_admin_link_in_the_top_bar(live_stack, browser):
    base_url, handle = live_stack
    _shop_with_a_return(handle.sim)
    boss = UserFactory(first_name="Ana", last_name="Reyes", is_superuser=True)
    device = TOTPDeviceFactory(user=boss)
    context, page, errors = open_page(browser)
    login(page, base_url, boss, device)
    page.wait_for_selector(".conv >> text=有货吗？")
    assert page.text_content("#admin-link").strip() == "Admin"
    page.click("#admin-link")
    page.wait_for_url(f"{base_url}/admin/")
    assert page.is_visible("#site-name")  # the admin's own header: it let them in
    page.go_back()
    page.wait_for_selector("#conn[data-state=live]")

    # A phone: the link is an icon (its name for screen readers), and the bar keeps one row,
    # on the smallest phones without the page's name.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.is_visible("#admin-link svg") and not page.is_visible("#admin-link .admin-label")
    assert page.get_attribute("#admin-link", "aria-label") == "Admin"
    _no_horizontal_overflow(page)
    _top_bar_in_one_row(page)
    page.select_option("select[name=language]", "zh-hans")
    page.wait_for_selector("html[lang=zh-hans]")
    page.wait_for_selector(".conv >> text=有货吗？")
    assert page.get_attribute("#admin-link", "href") == "/zh-hans/admin/"
    _no_horizontal_overflow(page)
    _top_bar_in_one_row(page)
    _screenshot(page, "console-390-zh-hans-admin-link.png")
    page.set_viewport_size({"width": 360, "height": 780})
    assert page.is_visible("#admin-link") and not page.is_visible(".topnav-item.active")
    _no_horizontal_overflow(page)
    _top_bar_in_one_row(page)
    page.set_viewport_size({"width": 1440, "height": 900})
    _screenshot(page, "console-1440-zh-hans-admin-link.png")
    assert errors == []
    context.close()
