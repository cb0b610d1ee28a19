"""message_classify: a stored buyer message gets its language and intent, the consoles hear."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from automation.services.classification import message_classify
from chat.models import LiveEvent, Message
from chat.services.messages import message_classification_set
from tests.factories import MessageFactory, ShopFactory


@pytest.mark.django_db
def test_a_buyer_message_is_classified_and_the_console_told(django_capture_on_commit_callbacks):
    message = MessageFactory(conversation__shop=ShopFactory(site="TH"), text="ขอยกเลิกออเดอร์ค่ะ")
    with CaptureQueriesContext(connection) as queries:
        result = message_classify(message)
    assert (result.language, result.intent) == ("th", "cancel")
    stored = Message.objects.get(pk=message.pk)
    assert (stored.language, stored.intent) == ("th", "cancel")
    assert stored.intent_confidence == pytest.approx(result.confidence)
    # Only the three columns are written: a concurrent status change is not overwritten.
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assigned = re.findall(r'UPDATE "chat_message" SET (.*?) WHERE', sql)
    assert len(assigned) == 1
    assert set(re.findall(r'"(\w+)" =', assigned[0])) == {"language", "intent", "intent_confidence"}
    event = LiveEvent.objects.get(type="chat.message_updated")
    assert event.shop_id == message.shop_id
    assert event.payload["message"]["id"] == message.pk
    assert event.payload["message"]["language"] == "th"
    assert event.payload["message"]["intent"] == "cancel"


@pytest.mark.django_db
def test_the_site_decides_malay_or_indonesian():
    malay = MessageFactory(
        conversation__shop=ShopFactory(site="MY"), text="kak barang sy blm sampai"
    )
    indonesian = MessageFactory(
        conversation__shop=ShopFactory(site="ID"), text="kak barang sy blm sampai"
    )
    assert message_classify(malay).language == "ms"
    assert message_classify(indonesian).language == "id"


@pytest.mark.django_db
def test_an_agent_reply_is_not_classified():
    reply = MessageFactory(direction="out", sender_kind="agent", text="sudah dikirim kak")
    with pytest.raises(ValueError, match="not a buyer's"):
        message_classify(reply)
    stored = Message.objects.get(pk=reply.pk)
    assert (stored.language, stored.intent, stored.intent_confidence) == ("", "", None)
    assert not LiveEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "intent", "confidence", "error"),
    [
        ("toolonglang", "cancel", 0.9, "language code too long"),
        ("en", "", 0.9, "invalid intent"),
        ("en", "x" * 25, 0.9, "invalid intent"),
        ("en", "cancel", 1.5, "out of 0..1"),
    ],
)
def test_bad_classification_values_are_refused_and_nothing_written(
    language, intent, confidence, error
):
    message = MessageFactory()
    with pytest.raises(ValueError, match=error):
        message_classification_set(
            message=message, language=language, intent=intent, intent_confidence=confidence
        )
    stored = Message.objects.get(pk=message.pk)
    assert (stored.language, stored.intent, stored.intent_confidence) == ("", "", None)
    assert not LiveEvent.objects.exists()
