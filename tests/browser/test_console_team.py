"""Routing in the console, in real headless Chromium: an agent switches to Away and back to
Online, sees a teammate's status in the team panel (live, when the teammate becomes active),
and transfers a conversation to them: it leaves "Mine" and the teammate is its assignee."""

import pytest

from automation.models import AgentProfile
from chat.models import Conversation, Message
from chat.services.inbox.conversations import conversation_assign
from integrations.shopee.simulator import buyer_message
from tests.browser.conftest import ARTIFACTS, MY_SHOP
from tests.browser.helpers import login, open_page, wait_for
from tests.chat.conftest import connect
from tests.factories import AgentGroupFactory, TOTPDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

QUESTION = "Can someone who speaks Malay help me?"


def test_status_switch_team_panel_and_transfer(live_stack, browser):
    base_url, handle = live_stack
    sim = handle.sim
    shop = connect(sim, MY_SHOP, "MY")
    mei = UserFactory(first_name="Mei", last_name="Lin")
    ali = UserFactory(first_name="Ali", last_name="Rahman")
    AgentGroupFactory(shops=[shop], members=[mei, ali])
    buyer_message(sim, shop_id=MY_SHOP, buyer_id=7402, username="siti", text=QUESTION)
    wait_for(lambda: Message.objects.count() == 1, "the buyer's message")
    conversation = Conversation.objects.get()
    conversation_assign(conversation=conversation, assignee=mei, actor=mei)

    _c1, page, errors = open_page(browser)
    login(page, base_url, mei, TOTPDeviceFactory(user=mei))
    page.click(".view[data-view=mine]")
    page.click(f".conv >> text={QUESTION}")  # input: a heartbeat, so Mei is active
    page.wait_for_timeout(3000)
    print(
        "DEBUG",
        errors,
        page.evaluate("document.querySelector('#my-status').outerHTML"),
        AgentProfile.objects.values(),
    )
    page.wait_for_selector("#my-status[data-status=online]")

    page.select_option("#my-status", "away")
    page.wait_for_selector("#my-status[data-status=away]")
    assert AgentProfile.objects.get(user=mei).chosen_status == "away"
    page.select_option("#my-status", "online")
    page.wait_for_selector("#my-status[data-status=online]")
    assert AgentProfile.objects.get(user=mei).chosen_status == "online"

    # Ali opens his console: offline, then online once he acts (live in Mei's panel).
    page.click("#team-toggle")
    page.wait_for_selector(f".team-agent[data-user-id='{ali.pk}'][data-status=offline]")
    _c2, ali_page, ali_errors = open_page(browser)
    login(ali_page, base_url, ali, TOTPDeviceFactory(user=ali))
    ali_page.click(".view[data-view=all]")
    page.wait_for_selector(f".team-agent[data-user-id='{ali.pk}'][data-status=online]")
    assert "0/8" in page.inner_text(f".team-agent[data-user-id='{ali.pk}']")
    page.screenshot(path=ARTIFACTS / "console-team.png")
    page.click("#team-toggle")

    page.click("#t-transfer")
    page.check(f"input[value='agent:{ali.pk}']")
    page.screenshot(path=ARTIFACTS / "console-transfer.png")
    page.click("#transfer-submit")
    page.wait_for_selector(f".conv >> text={QUESTION}", state="detached")  # gone from "Mine"
    wait_for(lambda: Conversation.objects.get().assignee_id == ali.pk, "the transfer")
    page.click(".view[data-view=all]")
    page.wait_for_selector(".conv .badge.assignee >> text=Ali Rahman")
    ali_page.wait_for_selector(".conv .badge.assignee >> text=Ali Rahman")
    assert errors == [] and ali_errors == []
    page.close()
    ali_page.close()
