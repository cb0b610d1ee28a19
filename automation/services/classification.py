"""Language and intent of a buyer's message, offline.

INTERFACE (stable): `text_classify` (pure, no database) and `message_classify` (records the
result on a stored message through chat's service, which tells the open consoles). The machinery
is in automation.nlp: language.py (lingua, restricted to the site's languages), intents.py (the
character n-gram model trained from automation/corpus, keyword rules for very short messages)."""

import unicodedata
from typing import NamedTuple

from django.conf import settings

from automation.nlp.intents import intent_predict, is_short, model_get, short_intent
from automation.nlp.language import language_detect

INTENTS = (
    "tracking",
    "shipping_time",
    "return_refund",
    "cancel",
    "damaged_wrong",
    "availability",
    "price_discount",
    "greeting_thanks",
    "other",
)


class Classification(NamedTuple):
    language: str  # ISO 639-1 ("th", "zh", "pt"...), "" when undetected
    intent: str  # one of INTENTS; "other" below the confidence threshold
    confidence: float  # 0..1, the top intent's probability (even when it fell to "other")


def _has_letters(text: str) -> bool:
    return any(unicodedata.category(ch).startswith("L") for ch in text)


def text_classify(
    text: str, *, site: str = "", threshold: float | None = None, model=None
) -> Classification:
    """Language (among `site`'s languages plus en and zh) and intent of a buyer's message.
    Below `threshold` (AUTOMATION_INTENT_THRESHOLD) the intent is "other": a human answers.
    A message in no supported language, or with no letters at all, is "other" too. `model`:
    the corpus's cached model unless given (the evaluation passes the one it trained)."""
    if threshold is None:
        threshold = settings.AUTOMATION_INTENT_THRESHOLD
    language = language_detect(text, site=site)
    if not language or not _has_letters(text):
        return Classification(language, "other", 0.0)
    if is_short(text) and (keyword_intent := short_intent(text)):
        return Classification(language, keyword_intent, 1.0)
    intent, confidence = intent_predict(model or model_get(intents=INTENTS), text)
    confidence = round(confidence, 4)
    return Classification(language, intent if confidence >= threshold else "other", confidence)


def message_classify(message) -> Classification:
    """Classify a stored buyer message and record language, intent and confidence on it (an
    update of those three columns only), telling the shop's open consoles."""
    from chat.models import Message
    from chat.services.messages import message_classification_set

    if message.sender_kind != Message.SenderKind.BUYER:
        raise ValueError(
            f"message {message.pk} is not a buyer's: only buyer messages are classified"
        )
    result = text_classify(message.text, site=message.shop.site if message.shop_id else "")
    message_classification_set(
        message=message,
        language=result.language,
        intent=result.intent,
        intent_confidence=result.confidence,
    )
    return result
