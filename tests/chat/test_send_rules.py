"""The counts behind the send rules, edge by edge: what counts as unanswered and as a repeat."""

from datetime import timedelta

import pytest
from django.utils import timezone

from chat.services.pipeline.send_rules import send_rules_check
from tests.factories import ConversationFactory, MessageFactory

pytestmark = pytest.mark.django_db


def _ours(conversation, *, text="hi", status="sent", created=None, platform_at=None):
    message = MessageFactory(
        conversation=conversation,
        direction="out",
        sender_kind="agent",
        text=text,
        status=status,
        platform_created_at=platform_at,
        platform_message_id=None,
    )
    if created is not None:
        type(message).objects.filter(pk=message.pk).update(created_at=created)
    return message


def _check(conversation, text="a new text", kind="text", exclude=None, now=None):
    return send_rules_check(
        conversation=conversation,
        kind=kind,
        text=text,
        now=now or timezone.now(),
        exclude_message_id=exclude,
    )


def test_only_our_live_messages_since_the_buyer_wrote_count_as_unanswered():
    now = timezone.now()
    buyer_at = now - timedelta(hours=1)
    conversation = ConversationFactory(last_buyer_message_at=buyer_at)
    for n in range(3):  # before the buyer's message: answered
        _ours(conversation, text=f"old {n}", platform_at=buyer_at - timedelta(minutes=n + 1))
    for n in range(2):  # failed sends never reached the buyer
        _ours(conversation, text=f"failed {n}", status="failed", platform_at=now)
    for n in range(3):  # acknowledged after the buyer wrote
        _ours(conversation, text=f"sent {n}", platform_at=buyer_at + timedelta(minutes=n))
    queued = _ours(conversation, text="queued")  # not acknowledged yet: created after
    assert _check(conversation) is None  # 4 unanswered
    _ours(conversation, text="fifth", status="unknown")
    assert _check(conversation).code == "too_many_unanswered"
    assert _check(conversation, exclude=queued.pk) is None  # the message being sent itself


def test_a_queued_message_created_before_the_buyer_wrote_is_answered():
    now = timezone.now()
    conversation = ConversationFactory(last_buyer_message_at=now - timedelta(minutes=5))
    for n in range(5):
        _ours(conversation, text=f"q{n}", status="queued", created=now - timedelta(minutes=10))
    assert _check(conversation) is None


def test_with_no_buyer_message_every_live_message_of_ours_counts():
    conversation = ConversationFactory(last_buyer_message_at=None)
    for n in range(4):
        _ours(conversation, text=f"m{n}", created=timezone.now() - timedelta(days=n))
    assert _check(conversation) is None
    _ours(conversation, text="m4", created=timezone.now() - timedelta(days=40))
    assert _check(conversation).code == "too_many_unanswered"


def test_the_same_text_counts_as_a_repeat_for_24_hours_and_only_for_texts():
    now = timezone.now()
    conversation = ConversationFactory(last_buyer_message_at=now)
    _ours(conversation, text="Thanks!", created=now - timedelta(hours=25))
    assert _check(conversation, text="Thanks!", now=now) is None
    _ours(conversation, text="Thanks!", created=now - timedelta(hours=23), status="failed")
    assert _check(conversation, text="Thanks!", now=now) is None  # failed: never delivered
    recent = _ours(conversation, text="Thanks!", created=now - timedelta(hours=23))
    assert _check(conversation, text="Thanks!", now=now).code == "duplicate_text"
    assert _check(conversation, text="thanks!", now=now) is None  # exact text only
    assert _check(conversation, text="Thanks!", now=now, exclude=recent.pk) is None
    assert _check(conversation, text="Thanks!", kind="image", now=now) is None
