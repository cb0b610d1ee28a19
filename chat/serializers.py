"""DRF serializers of the agent API (chat.apis). Output shapes match chat.events, so the console
renders a REST row and a pushed event with the same code."""

from datetime import UTC

from rest_framework import serializers

from chat.events import conversation_due_at, first_response_due_at
from chat.models import Conversation, Message
from chat.services.pipeline.send_rules import message_retryable
from integrations.models import Platform, Site
from shopee_cs.api_input import (
    MAX_ID,
    ClosedSerializer,
    PatternField,
    StrictIntegerField,
)


class ShopOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    platform = serializers.CharField()
    platform_shop_id = serializers.CharField()
    site = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()


class ShopBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    site = serializers.CharField()
    platform = serializers.CharField()


class UserBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.get_username()


class ConversationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    shop_id = serializers.IntegerField()
    shop = ShopBriefSerializer()
    buyer_name = serializers.CharField()
    buyer_platform_id = serializers.CharField()
    buyer_avatar_url = serializers.CharField()
    status = serializers.ChoiceField(choices=Conversation.Status.choices)
    assignee_id = serializers.IntegerField(allow_null=True)
    assignee = UserBriefSerializer(allow_null=True)
    unread_count = serializers.IntegerField()
    last_message_at = serializers.DateTimeField(allow_null=True)
    last_message_preview = serializers.CharField()
    awaiting_reply_since = serializers.DateTimeField(allow_null=True)
    first_response_due_at = serializers.SerializerMethodField()
    tags = serializers.ListField(
        child=serializers.CharField(), help_text="Labels set by the auto-reply rules."
    )

    def get_first_response_due_at(self, conversation) -> str | None:
        due = conversation_due_at(conversation)
        return serializers.DateTimeField().to_representation(due) if due else None


def _datetime(value) -> str | None:
    """A datetime exactly as DRF's DateTimeField renders it here (UTC, ISO 8601, "Z")."""
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _user_name(first: str, last: str, username: str) -> str:
    """User.get_full_name() or get_username(), from the columns alone."""
    return f"{first} {last}".strip() or username


def conversation_rows(rows: list[dict]) -> list[dict]:
    """ConversationOutputSerializer's output for a page of INBOX_ROW_FIELDS values, without model
    instances or DRF's per-field machinery: the inbox list is the busiest endpoint (BM4). A test
    keeps the two equal."""
    return [
        {
            "id": r["id"],
            "shop_id": r["shop_id"],
            "shop": {
                "id": r["shop__id"],
                "name": r["shop__name"],
                "site": r["shop__site"],
                "platform": r["shop__platform"],
            },
            "buyer_name": r["buyer_name"],
            "buyer_platform_id": r["buyer_platform_id"],
            "buyer_avatar_url": r["buyer_avatar_url"],
            "status": r["status"],
            "assignee_id": r["assignee_id"],
            "assignee": None
            if r["assignee__id"] is None
            else {
                "id": r["assignee__id"],
                "name": _user_name(
                    r["assignee__first_name"], r["assignee__last_name"], r["assignee__username"]
                ),
            },
            "unread_count": r["unread_count"],
            "last_message_at": _datetime(r["last_message_at"]),
            "last_message_preview": r["last_message_preview"],
            "awaiting_reply_since": _datetime(r["awaiting_reply_since"]),
            "first_response_due_at": _datetime(
                first_response_due_at(
                    r["awaiting_reply_since"], r["shop__first_response_target_seconds"]
                )
            ),
            "tags": r["tags"],
        }
        for r in rows
    ]


class MessageOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    conversation_id = serializers.IntegerField()
    shop_id = serializers.IntegerField()
    platform_message_id = serializers.CharField(allow_null=True)
    direction = serializers.ChoiceField(choices=Message.Direction.choices)
    sender_kind = serializers.ChoiceField(choices=Message.SenderKind.choices)
    kind = serializers.CharField()
    text = serializers.CharField()
    payload = serializers.JSONField()
    status = serializers.ChoiceField(choices=Message.Status.choices)
    failure_code = serializers.CharField()
    failure_reason = serializers.CharField()
    retryable = serializers.SerializerMethodField(
        help_text="A failed message that POST /messages/{id}/retry/ could still send."
    )
    platform_created_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    language = serializers.CharField(
        help_text="A buyer message's detected language (ISO 639-1); empty if undetected or "
        "not classified yet."
    )
    intent = serializers.CharField(
        help_text="A buyer message's intent (tracking, shipping_time, return_refund, cancel, "
        "damaged_wrong, availability, price_discount, greeting_thanks, other); empty if not "
        "classified yet."
    )
    intent_confidence = serializers.FloatField(
        allow_null=True, help_text="The classifier's confidence in the intent, 0 to 1."
    )

    def get_retryable(self, message) -> bool:
        return message_retryable(message)


# In a query string an empty value (`?site=`) means the parameter is not set, as DRF reads
# it; the schema says so by allowing "" (blank).
class QueryIntegerField(serializers.IntegerField):
    """An integer query parameter: given empty (`?page_size=`) it is refused as the schema's
    integer says, not read as unset (DRF's reading of an empty form value)."""

    def get_value(self, dictionary):
        if dictionary.get(self.field_name) == "":
            return ""
        return super().get_value(dictionary)


class ConversationListQuerySerializer(serializers.Serializer):
    shop = QueryIntegerField(required=False, min_value=1, max_value=MAX_ID)
    site = serializers.ChoiceField(choices=Site.choices, required=False, allow_blank=True)
    platform = serializers.ChoiceField(choices=Platform.choices, required=False, allow_blank=True)
    status = serializers.ChoiceField(
        choices=Conversation.Status.choices, required=False, allow_blank=True
    )
    mine = serializers.BooleanField(required=False, default=False)
    unassigned = serializers.BooleanField(required=False, default=False)
    awaiting_reply = serializers.BooleanField(required=False, default=False)
    cursor = serializers.CharField(required=False, allow_blank=True, max_length=200)
    page_size = QueryIntegerField(required=False, default=50, min_value=1, max_value=100)


class ConversationPageSerializer(serializers.Serializer):
    results = ConversationOutputSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class MessagePageQuerySerializer(serializers.Serializer):
    before = serializers.CharField(required=False, allow_blank=True, max_length=200)
    page_size = QueryIntegerField(required=False, default=50, min_value=1, max_value=200)


class MessagePageSerializer(serializers.Serializer):
    results = MessageOutputSerializer(many=True)
    older_cursor = serializers.CharField(allow_null=True)


class ConversationDetailSerializer(serializers.Serializer):
    conversation = ConversationOutputSerializer()
    messages = MessageOutputSerializer(many=True)
    older_cursor = serializers.CharField(allow_null=True)


# Marketplace ids are strings end to end (they exceed 2^53) and decimal digits.
_DIGITS = r"[0-9]{1,20}"
_ORDER_REF = r"[A-Za-z0-9]{1,64}"
_STICKER = r"[A-Za-z0-9_.-]{1,64}"
_IMAGE_URL = r"https://[!-~]{1,2040}"  # printable ASCII without spaces, as upload_image returns


def _order_ref(**kwargs) -> PatternField:
    return PatternField(_ORDER_REF, "An order number: letters and digits.", **kwargs)


class _PayloadSerializer(ClosedSerializer):
    context_order_ref = _order_ref(
        required=False,
        help_text="The order this chat is about; a marketplace may need one on the first message "
        "of a new chat.",
    )


class TextPayloadSerializer(_PayloadSerializer):
    """A text message carries at most the order it is about."""


class StickerPayloadSerializer(_PayloadSerializer):
    """A sticker from one of the marketplace's packages."""

    sticker_id = PatternField(_STICKER, "A sticker id: letters, digits, '_', '.', '-'.")
    sticker_package_id = PatternField(_STICKER, "A package id: letters, digits, '_', '.', '-'.")


class ImagePayloadSerializer(_PayloadSerializer):
    """An image uploaded to the marketplace first (its chat image upload returns the URL)."""

    image_url = PatternField(
        _IMAGE_URL,
        "An https URL without spaces.",
        help_text="The URL the marketplace's upload returned.",
    )


class ItemPayloadSerializer(_PayloadSerializer):
    """A product card of one of the shop's items."""

    item_id = PatternField(_DIGITS, "An item id: decimal digits, as a string.")


class OrderPayloadSerializer(_PayloadSerializer):
    """An order card of one of the buyer's orders in this shop."""

    order_ref = _order_ref()


REPLY_PAYLOADS: dict[str, type[_PayloadSerializer]] = {
    "text": TextPayloadSerializer,
    "sticker": StickerPayloadSerializer,
    "image": ImagePayloadSerializer,
    "item": ItemPayloadSerializer,
    "order": OrderPayloadSerializer,
}


def _reply_serializer(kind: str, payload_class: type[_PayloadSerializer]) -> type:
    """The request body of one message kind: `kind` names it, `payload` is that kind's card."""
    text_help = "The message." if kind == "text" else "Optional text shown with the card."
    fields = {
        # A body without `kind` is a text reply, as before kinds existed.
        "kind": serializers.ChoiceField(
            choices=[kind], **({"default": kind} if kind == "text" else {})
        ),
        # No NUL (PostgreSQL cannot store it): the pattern says so in the schema too.
        "text": PatternField(
            r"[^\u0000]*",
            "Null characters are not allowed.",
            required=False,
            allow_blank=True,
            default="",
            max_length=5000,
            help_text=text_help,
        ),
        "payload": payload_class(required=kind != "text"),
    }
    name = f"{kind.capitalize()}ReplyInputSerializer"
    doc = f"A {kind} reply." if kind == "text" else f"A {kind} card, with optional text."
    return type(name, (ClosedSerializer,), {**fields, "__module__": __name__, "__doc__": doc})


REPLY_INPUTS = {kind: _reply_serializer(kind, cls) for kind, cls in REPLY_PAYLOADS.items()}


def reply_input_validate(data) -> dict:
    """The validated reply body, by its `kind`; a ValidationError (400) names what is wrong."""
    if not isinstance(data, dict):
        raise serializers.ValidationError({"non_field_errors": ["Expected a JSON object."]})
    kind = data.get("kind", "text")
    serializer_class = REPLY_INPUTS.get(kind) if isinstance(kind, str) else None
    if serializer_class is None:
        raise serializers.ValidationError(
            {"kind": [f"Not a message kind; one of: {', '.join(sorted(REPLY_INPUTS))}."]}
        )
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return {"payload": {}, **serializer.validated_data}


class AssignInputSerializer(ClosedSerializer):
    assignee_id = StrictIntegerField(allow_null=True, min_value=1, max_value=MAX_ID)


class MarkReadOutputSerializer(serializers.Serializer):
    conversation = ConversationOutputSerializer()
    platform_synced = serializers.BooleanField()
    platform_error = serializers.CharField()


class ReturnOutputSerializer(serializers.Serializer):
    return_ref = serializers.CharField()
    status = serializers.CharField(help_text="As the marketplace names it.")
    status_code = serializers.CharField(help_text="Neutral: requested, accepted, … or unknown.")
    reason = serializers.CharField(help_text="As the marketplace names it.")
    reason_code = serializers.CharField(help_text="Neutral: not_received, damaged, … or unknown.")
    buyer_note = serializers.CharField(help_text="The buyer's own words, in their language.")
    refund_amount = serializers.CharField()
    currency = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)


class OrderOutputSerializer(serializers.Serializer):
    order_ref = serializers.CharField()
    status = serializers.CharField(help_text="As the marketplace names it.")
    status_code = serializers.CharField(help_text="Neutral: unpaid, to_ship, … or unknown.")
    items = serializers.JSONField()
    total = serializers.CharField()
    currency = serializers.CharField()
    tracking_number = serializers.CharField()
    carrier = serializers.CharField()
    tracking_status = serializers.CharField()
    tracking_status_code = serializers.CharField()
    platform_created_at = serializers.DateTimeField(allow_null=True)
    refreshed_at = serializers.DateTimeField()
    returns = ReturnOutputSerializer(many=True)


class OrderRefreshOutputSerializer(serializers.Serializer):
    refreshed = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.CharField())
    orders = OrderOutputSerializer(many=True)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
