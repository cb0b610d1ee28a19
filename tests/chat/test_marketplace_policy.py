"""The send rules are each adapter's policy, applied the same way for any marketplace; a refusal
names that marketplace's reason."""

from datetime import timedelta

import pytest
from django.utils import timezone

from chat.models import Message
from chat.services.pipeline.outbox import message_send_reply
from chat.services.pipeline.send_rules import message_retryable, send_rules_check
from tests.factories import ConversationFactory, MessageFactory, ShopFactory, UserFactory

pytestmark = pytest.mark.django_db


def _check(conversation, text="hello", kind="text"):
    return send_rules_check(conversation=conversation, kind=kind, text=text, now=timezone.now())


def _conversation(platform, **shop):
    return ConversationFactory(
        shop=ShopFactory(platform=platform, **shop), last_buyer_message_at=timezone.now()
    )


def test_each_marketplace_s_text_limit_applies_to_its_own_shops(fake_market):
    text = "x" * 21
    other = _conversation(fake_market.PLATFORM)
    refusal = _check(other, text)
    assert refusal.code == "too_long"
    assert refusal.reason == "The message has 21 characters; Testmarket allows at most 20."
    assert _check(ConversationFactory(last_buyer_message_at=timezone.now()), text) is None


def test_a_refused_reply_is_stored_failed_with_the_adapter_s_reason(fake_market):
    conversation = _conversation(fake_market.PLATFORM, site="SG")
    message, created = message_send_reply(
        conversation=conversation, user=UserFactory(), text="hello"
    )
    assert created and message.status == Message.Status.FAILED
    assert message.failure_code == "region_not_supported"
    assert message.failure_reason == (
        "Testmarket does not allow sending chat messages through the API on the SG site; "
        "reply in the Testmarket seller app."
    )
    assert not message_retryable(message)


def test_kinds_the_marketplace_does_not_take_are_refused_for_good(fake_market):
    conversation = _conversation(fake_market.PLATFORM)
    refusal = _check(conversation, text="", kind="image")
    assert refusal.code == "kind_not_supported"
    assert "Testmarket does not accept" in refusal.reason
    assert _check(ConversationFactory(last_buyer_message_at=timezone.now()), "", "image") is None


def test_the_unanswered_limit_and_the_repeat_rule_are_the_policy_s(fake_market):
    conversation = _conversation(fake_market.PLATFORM)
    for _ in range(1):
        MessageFactory(conversation=conversation, direction="out", status="sent", text="same")
    assert _check(conversation, "same") is None  # no repeat rule on this marketplace
    MessageFactory(conversation=conversation, direction="out", status="sent", text="again")
    refusal = _check(conversation, "third")
    assert refusal.code == "too_many_unanswered"
    assert refusal.reason.startswith("2 messages in a row are unanswered; Testmarket blocks")


def test_buyer_windows_are_the_policy_s_and_the_refusal_says_so_without_shopee_s_words(
    fake_market,
):
    now = timezone.now()
    conversation = _conversation(fake_market.PLATFORM)
    conversation.last_buyer_message_at = now - timedelta(days=3)  # Testmarket: 2 days
    refusal = _check(conversation)
    assert refusal.code == "buyer_not_eligible"
    assert refusal.reason == (
        "The buyer is outside the time in which Testmarket allows messaging them."
    )
    shopee = ConversationFactory(last_buyer_message_at=now - timedelta(days=3))
    assert _check(shopee) is None  # Shopee: 7 days


def test_shopee_s_refusals_read_as_they_always_have():
    """Shopee's wording is unchanged by the move to policies (agents and docs quote it)."""
    now = timezone.now()
    tw = ConversationFactory(shop=ShopFactory(site="TW"))
    assert _check(tw).reason == (
        "Shopee does not allow sending chat messages through the API on the TW site; "
        "reply in Seller Centre."
    )
    long = ConversationFactory(last_buyer_message_at=now)
    assert _check(long, "x" * 601).reason == (
        "The message has 601 characters; Shopee allows at most 600."
    )
    quiet = ConversationFactory(last_buyer_message_at=now - timedelta(days=10))
    assert _check(quiet).reason == (
        "The buyer has not chatted in the last 7 days, ordered in the last 30 days, or opened a "
        "return; Shopee does not allow messaging them."
    )
    MessageFactory(conversation=long, direction="out", status="sent", text="same")
    assert _check(long, "same").reason == (
        "The same text was sent to this buyer within the last 24 hours; Shopee refuses "
        "repeats. Change the wording."
    )


def test_the_console_gets_each_shop_s_limit_and_each_platform_s_refusals(client, fake_market):
    import json

    from tests.factories import login_verified

    login_verified(client, UserFactory(is_superuser=True, is_staff=True))
    shopee, other = ShopFactory(), ShopFactory(platform=fake_market.PLATFORM)
    html = client.get("/console/").content.decode()
    config = json.loads(html.split('id="console-config" type="application/json">')[1].split("<")[0])
    assert config["shops"][str(shopee.pk)]["maxLength"] == 600
    assert config["shops"][str(other.pk)]["maxLength"] == 20
    assert config["shops"][str(other.pk)]["platform"] == fake_market.PLATFORM
    refusals = config["strings"]["refusals"]
    assert "Testmarket allows at most 20" in refusals[fake_market.PLATFORM]["too_long"]
    assert "Shopee allows at most 600" in refusals[shopee.platform]["too_long"]


def test_a_shop_of_a_marketplace_with_no_adapter_sends_nothing_and_says_why(client):
    import json

    from tests.factories import login_verified

    conversation = _conversation("gone")
    message, _ = message_send_reply(conversation=conversation, user=UserFactory(), text="hello")
    assert (message.status, message.failure_code) == (Message.Status.FAILED, "no_adapter")
    assert (
        message.failure_reason == "No marketplace adapter is registered for gone: nothing is sent."
    )
    assert not message_retryable(message)
    login_verified(client, UserFactory(is_superuser=True, is_staff=True))
    html = client.get("/console/").content.decode()  # the console still opens
    config = json.loads(html.split('id="console-config" type="application/json">')[1].split("<")[0])
    assert config["shops"][str(conversation.shop_id)]["maxLength"] is None
    assert "gone" not in config["strings"]["refusals"]
