"""Language and intent of a buyer's message, offline.

INTERFACE (stable; the implementation behind it is the trained classifier): `text_classify`."""

from typing import NamedTuple

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
    confidence: float  # 0..1, the intent's


def text_classify(text: str, *, site: str = "") -> Classification:
    """Placeholder until the trained classifier lands: keywords only."""
    lowered = text.lower()
    for intent, words in (
        ("tracking", ("where is my", "parcel", "tracking", "พัสดุ", "物流", "快递")),
        ("return_refund", ("refund", "return", "hoàn tiền", "trả hàng", "退货", "退款")),
        ("greeting_thanks", ("hello", "hi ", "thank", "terima kasih", "halo")),
    ):
        if any(w in lowered for w in words):
            return Classification("", intent, 0.9)
    return Classification("", "other", 0.0)


def message_classify(message) -> Classification:
    """Classify a stored buyer message and record the result on it (language, intent,
    confidence). Placeholder: the real one writes through chat's service and publishes."""
    from chat.models import Message

    result = text_classify(message.text, site=message.shop.site if message.shop_id else "")
    Message.objects.filter(pk=message.pk).update(
        language=result.language, intent=result.intent, intent_confidence=result.confidence
    )
    return result
