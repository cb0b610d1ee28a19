"""Alerts in the console, in real headless Chromium: an alert raised for a conversation of the
agent's shop shows live as a banner (it mentions them) and in the bell's count; a breach that
does not mention a plain agent only counts; acknowledging from the bell's list clears it."""

import pytest
from django.utils import timezone

from alerts.models import Alert
from alerts.services.raising import Candidate, alerts_raise
from chat.models import Conversation, Message
from integrations.shopee.simulator import buyer_message
from tests.browser.conftest import ARTIFACTS, MY_SHOP
from tests.browser.helpers import login, open_page, wait_for
from tests.chat.conftest import connect
from tests.factories import AgentGroupFactory, TOTPDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _raise(conversation, group, key: str, kind: str, title: str, mentions=()) -> Alert:
    (alert,) = alerts_raise(
        [
            Candidate(
                kind=kind,
                dedup_key=key,
                group_id=group.pk,
                due_at=timezone.now(),
                title=title,
                text=f"{conversation.buyer_name} · MY · [open](http://127.0.0.1:8000/)",
                shop_id=conversation.shop_id,
                conversation_id=conversation.pk,
                mention_user_ids=tuple(mentions),
            )
        ]
    )
    return alert


def test_an_alert_shows_live_counts_on_the_bell_and_is_acknowledged(live_stack, browser):
    base_url, handle = live_stack
    shop = connect(handle.sim, MY_SHOP, "MY")
    agent = UserFactory(first_name="Mei", last_name="Lin")
    device = TOTPDeviceFactory(user=agent)
    group = AgentGroupFactory(shops=[shop], members=[agent])
    buyer_message(handle.sim, shop_id=MY_SHOP, buyer_id=7401, username="ana_r", text="Hello?")
    wait_for(lambda: Message.objects.count() == 1, "the buyer's message")
    conversation = Conversation.objects.get()
    _context, page, errors = open_page(browser)
    login(page, base_url, agent, device)
    page.wait_for_selector("#conn[data-state='live']")
    assert page.inner_text("#alert-bell-count") == ""

    warning = _raise(conversation, group, "w", "frt_warning", "Buyer waiting 2 min", [agent.pk])
    banner = page.locator(f".alert-banner[data-id='{warning.pk}']")
    banner.wait_for()
    assert banner.get_attribute("data-level") == "warning"
    assert "Buyer waiting 2 min" in banner.inner_text()
    assert "ana_r · MY" in banner.inner_text()
    assert "[open]" not in banner.inner_text()  # the robots' markdown link is not shown
    page.wait_for_selector("#alert-bell-count >> text=1")

    # A breach that does not mention a plain agent: counted on the bell, no banner.
    breach = _raise(conversation, group, "b", "frt_breach", "First response breached")
    page.wait_for_selector("#alert-bell-count >> text=2")
    assert page.locator(f".alert-banner[data-id='{breach.pk}']").count() == 0
    page.screenshot(path=ARTIFACTS / "console-alert-banner.png")

    banner.locator(".alert-dismiss").click()
    banner.wait_for(state="detached")

    page.click("#alert-bell")
    row = page.locator(f".alert-row[data-id='{warning.pk}']")
    row.wait_for()
    assert page.locator(".alert-row").count() == 2
    assert page.locator(f".alert-row[data-id='{breach.pk}']").get_attribute("data-level") == (
        "breach"
    )
    page.screenshot(path=ARTIFACTS / "console-alert-list.png")
    row.locator(".alert-ack").click()
    row.wait_for(state="detached")  # the list shows the unacknowledged ones
    page.wait_for_selector("#alert-bell-count >> text=1")
    warning.refresh_from_db()
    breach.refresh_from_db()
    assert warning.acknowledged_at is not None and breach.acknowledged_at is None

    # Opening the other one opens its conversation.
    page.locator(f".alert-row[data-id='{breach.pk}'] .alert-open").click()
    page.wait_for_selector("#alert-panel", state="hidden")
    page.wait_for_selector(".msg.in >> text=Hello?")
    assert page.get_attribute(".conv.active", "data-id") == str(conversation.pk)
    assert errors == []
    page.close()


def test_a_supervisor_gets_a_banner_for_every_breach(live_stack, browser):
    base_url, handle = live_stack
    shop = connect(handle.sim, MY_SHOP, "MY")
    lead = UserFactory(first_name="Bo", roles=["Supervisor"])
    device = TOTPDeviceFactory(user=lead)
    group = AgentGroupFactory(shops=[shop], members=[lead])
    buyer_message(handle.sim, shop_id=MY_SHOP, buyer_id=7402, username="kit", text="Anyone?")
    wait_for(lambda: Message.objects.count() == 1, "the buyer's message")
    conversation = Conversation.objects.get()
    _context, page, errors = open_page(browser)
    login(page, base_url, lead, device)
    page.wait_for_selector("#conn[data-state='live']")
    first = _raise(conversation, group, "b1", "frt_breach", "Breach one")
    second = _raise(conversation, group, "w2", "frt_warning", "Warning two")
    page.wait_for_selector(f".alert-banner[data-id='{second.pk}']")
    levels = page.eval_on_selector_all(".alert-banner", "ns => ns.map(n => n.dataset.level)")
    assert levels == ["warning", "breach"]  # stacked, newest on top
    assert page.locator(f".alert-banner[data-id='{first.pk}']").count() == 1
    page.wait_for_selector("#alert-bell-count >> text=2")
    page.wait_for_timeout(300)  # the banners' fade-in, for the screenshot only
    page.screenshot(path=ARTIFACTS / "console-alert-banners-supervisor.png")
    assert errors == []
    page.close()
