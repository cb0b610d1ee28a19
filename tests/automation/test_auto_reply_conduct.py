"""Conduct rules on auto-replies: refusals are recorded and go to a human, no identical text
within 24 h, the five-unanswered limit counts them, the clock keeps running, old history and
unsupported languages are not answered."""

from datetime import timedelta

import pytest
from django.utils import timezone

from automation.models import AutoReplyRun
from automation.receivers import message_received
from automation.services.auto_reply import message_automate
from chat.models import Conversation, ConversationFact, Message
from chat.services.pipeline.outbox import message_send_reply
from integrations.errors import ForbiddenSend
from shopee_cs.models import User
from tests.automation.conftest import TW_SHOP_ID, auto_replies, deliver, rule, template
from tests.chat.conftest import connect

pytestmark = pytest.mark.django_db

Outcome = AutoReplyRun.Outcome


@pytest.fixture
def hello():
    return template("Hello", en="Hello", ms="Hai, ada apa boleh kami bantu?")


def test_a_rule_that_would_repeat_its_text_within_24_hours_does_not_send(
    shop, say, classified, hello
):
    rule("greet", template=hello, cooldown_seconds=0)
    first = say(shop, "hai")
    message_automate(message_id=first.pk)
    deliver(auto_replies(first.conversation)[0])
    buyer = int(first.conversation.buyer_platform_id)
    second = say(shop, "hai lagi", buyer_id=buyer)
    result = message_automate(message_id=second.pk)
    run = result.run
    assert run.outcome == Outcome.REFUSED and run.code == ForbiddenSend.DUPLICATE_TEXT
    assert run.reason and run.handed_to_human and result.handed_to_human
    refused = Message.objects.get(pk=run.reply_id)
    assert refused.status == Message.Status.FAILED
    assert refused.failure_code == ForbiddenSend.DUPLICATE_TEXT
    sent = [m for m in auto_replies(first.conversation) if m.status == Message.Status.SENT]
    assert len(sent) == 1


def test_a_refused_site_records_the_reason_and_goes_to_a_human(simulator, db, say, classified):
    tw = connect(simulator.sim, TW_SHOP_ID, "TW")
    rule("greet", template=template("Hello", zh_Hant="您好"))
    classified("zh", "greeting_thanks")
    result = message_automate(message_id=say(tw, "你好", lang="zh-Hant").pk)
    run = result.run
    assert run.outcome == Outcome.REFUSED and run.code == ForbiddenSend.REGION_NOT_SUPPORTED
    assert run.reason and run.handed_to_human
    assert Message.objects.get(pk=run.reply_id).status == Message.Status.FAILED


def test_five_unanswered_refuses_the_auto_reply_and_counts_it(shop, say, classified, hello):
    agent = User.objects.create_user("agent", password="x")
    rule("greet", template=hello)
    message = say(shop, "hai")
    conversation = message.conversation
    for n in range(5):
        message_send_reply(conversation=conversation, user=agent, text=f"follow-up {n}")
    run = message_automate(message_id=message.pk).run
    assert run.outcome == Outcome.REFUSED and run.code == ForbiddenSend.TOO_MANY_UNANSWERED
    assert run.handed_to_human


def test_an_auto_reply_counts_toward_the_five_unanswered(shop, say, classified, hello):
    agent = User.objects.create_user("agent", password="x")
    rule("greet", template=hello)
    message = say(shop, "hai")
    message_automate(message_id=message.pk)
    conversation = message.conversation
    replies = [
        message_send_reply(conversation=conversation, user=agent, text=f"more {n}")[0]
        for n in range(5)
    ]
    assert [r.status for r in replies][-1] == Message.Status.FAILED
    assert replies[-1].failure_code == ForbiddenSend.TOO_MANY_UNANSWERED


def test_a_refusal_by_the_marketplace_later_is_recorded_and_goes_to_a_human(
    shop, say, classified, hello, simulator, django_capture_on_commit_callbacks
):
    rule("greet", template=hello)
    message = say(shop, "hai")
    run = message_automate(message_id=message.pk).run
    assert run.outcome == Outcome.SENT and not run.handed_to_human
    # The same text typed in the marketplace's own seller tools a moment ago: it refuses.
    with simulator.sim.lock:
        conv = simulator.sim.conversation_for(
            shop.platform_shop_id, int(message.conversation.buyer_platform_id)
        )
        simulator.sim.add_message(
            conv, from_seller=True, message_type="text", content={"text": run.reply.text}
        )
    with django_capture_on_commit_callbacks(execute=True):
        reply = deliver(run.reply)
    assert reply.status == Message.Status.FAILED
    run.refresh_from_db()
    assert run.outcome == Outcome.FAILED and run.code == reply.failure_code
    assert run.reason and run.handed_to_human


def test_an_auto_reply_does_not_stop_the_first_response_clock(shop, say, classified, hello):
    rule("greet", template=hello)
    message = say(shop, "hai")
    waiting_since = Conversation.objects.get(pk=message.conversation_id).awaiting_reply_since
    assert waiting_since is not None
    reply = deliver(message_automate(message_id=message.pk).run.reply)
    assert reply.status == Message.Status.SENT and reply.sender_kind == Message.SenderKind.AUTO
    conversation = Conversation.objects.get(pk=message.conversation_id)
    assert conversation.awaiting_reply_since == waiting_since
    kinds = set(
        ConversationFact.objects.filter(conversation=conversation).values_list("kind", flat=True)
    )
    assert ConversationFact.Kind.AUTO_REPLY in kinds
    assert ConversationFact.Kind.AGENT_REPLY not in kinds


def test_an_unsupported_language_goes_to_a_human(shop, say, classified, hello):
    rule("anything", template=hello)
    classified("ru", "greeting_thanks")
    message = say(shop, "привет")
    result = message_automate(message_id=message.pk)
    assert result.handed_to_human and result.run is None and "language" in result.reason
    assert auto_replies(message.conversation) == []


def test_an_undetected_intent_with_no_rule_goes_to_a_human(shop, say, classified, hello):
    rule("greet", template=hello, intents=["greeting_thanks"])
    classified("ms", "other", 0.2)
    result = message_automate(message_id=say(shop, "hmm").pk)
    assert result.handed_to_human and result.run is None


def test_old_pulled_history_is_not_answered(shop, say, classified, hello):
    rule("greet", template=hello)
    message = say(shop, "hai")
    Message.objects.filter(pk=message.pk).update(
        platform_created_at=timezone.now() - timedelta(hours=3)
    )
    message.refresh_from_db()
    result = message_automate(message_id=message.pk)
    assert result.reason == "old message" and not result.handed_to_human
    assert auto_replies(message.conversation) == []
    assert AutoReplyRun.objects.count() == 0


def test_the_receiver_queues_nothing_for_an_old_message(shop, say, monkeypatch):
    from celery import current_app

    queued = []
    task = current_app.tasks["automation.message_automate"]
    monkeypatch.setattr(task, "delay", lambda *args: queued.append(args))
    message = say(shop, "hai")
    message_received(sender=Message, message=message, conversation=message.conversation)
    message.platform_created_at = timezone.now() - timedelta(hours=1)
    message_received(sender=Message, message=message, conversation=message.conversation)
    assert queued == [(message.pk,)]


def test_a_message_that_is_no_longer_the_latest_is_not_answered(shop, say, classified, hello):
    rule("greet", template=hello, cooldown_seconds=0)
    first = say(shop, "hai")
    say(shop, "hai lagi", buyer_id=int(first.conversation.buyer_platform_id))
    result = message_automate(message_id=first.pk)
    assert result.run is None and "newer" in result.reason


def test_an_outbound_message_is_never_automated(shop, say, classified, hello):
    rule("greet", template=hello)
    agent = User.objects.create_user("agent", password="x")
    message = say(shop, "hai")
    reply, _ = message_send_reply(conversation=message.conversation, user=agent, text="hi")
    assert message_automate(message_id=reply.pk).run is None
    assert message_automate(message_id=10**9).run is None


def test_an_undetected_language_is_answered_in_the_sites_language(shop, say, classified):
    rule("greet", template=template("Hello", en="Hello", ms="Hai"), intents=["greeting_thanks"])
    classified("", "greeting_thanks")
    message = say(shop, "👋")
    result = message_automate(message_id=message.pk)
    assert not result.handed_to_human
    assert [m.text for m in auto_replies(message.conversation)] == ["Hai"]  # MY: Malay
