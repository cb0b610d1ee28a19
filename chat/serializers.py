"""DRF serializers of the agent API (chat.apis). Output shapes match chat.events, so the console
renders a REST row and a pushed event with the same code."""

from datetime import UTC

from rest_framework import serializers

from chat.events import conversation_due_at, first_response_due_at
from chat.models import Conversation, Message
from chat.services.outbox import KINDS
from chat.services.send_rules import message_retryable
from integrations.models import Platform, Site


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

    def get_retryable(self, message) -> bool:
        return message_retryable(message)


class ConversationListQuerySerializer(serializers.Serializer):
    shop = serializers.IntegerField(required=False, min_value=1)
    site = serializers.ChoiceField(choices=Site.choices, required=False)
    platform = serializers.ChoiceField(choices=Platform.choices, required=False)
    status = serializers.ChoiceField(choices=Conversation.Status.choices, required=False)
    mine = serializers.BooleanField(required=False, default=False)
    unassigned = serializers.BooleanField(required=False, default=False)
    awaiting_reply = serializers.BooleanField(required=False, default=False)
    cursor = serializers.CharField(required=False, max_length=200)
    page_size = serializers.IntegerField(required=False, default=50, min_value=1, max_value=100)


class ConversationPageSerializer(serializers.Serializer):
    results = ConversationOutputSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class MessagePageQuerySerializer(serializers.Serializer):
    before = serializers.CharField(required=False, max_length=200)
    page_size = serializers.IntegerField(required=False, default=50, min_value=1, max_value=200)


class MessagePageSerializer(serializers.Serializer):
    results = MessageOutputSerializer(many=True)
    older_cursor = serializers.CharField(allow_null=True)


class ConversationDetailSerializer(serializers.Serializer):
    conversation = ConversationOutputSerializer()
    messages = MessageOutputSerializer(many=True)
    older_cursor = serializers.CharField(allow_null=True)


class ReplyInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=sorted(KINDS), default="text")
    text = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)
    payload = serializers.DictField(required=False, default=dict)


class AssignInputSerializer(serializers.Serializer):
    assignee_id = serializers.IntegerField(allow_null=True)


class MarkReadOutputSerializer(serializers.Serializer):
    conversation = ConversationOutputSerializer()
    platform_synced = serializers.BooleanField()
    platform_error = serializers.CharField()


class ReturnOutputSerializer(serializers.Serializer):
    return_ref = serializers.CharField()
    status = serializers.CharField()
    reason = serializers.CharField()
    buyer_note = serializers.CharField(help_text="The buyer's own words, in their language.")
    refund_amount = serializers.CharField()
    currency = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)


class OrderOutputSerializer(serializers.Serializer):
    order_ref = serializers.CharField()
    status = serializers.CharField()
    items = serializers.JSONField()
    total = serializers.CharField()
    currency = serializers.CharField()
    tracking_number = serializers.CharField()
    carrier = serializers.CharField()
    tracking_status = serializers.CharField()
    platform_created_at = serializers.DateTimeField(allow_null=True)
    refreshed_at = serializers.DateTimeField()
    returns = ReturnOutputSerializer(many=True)


class OrderRefreshOutputSerializer(serializers.Serializer):
    refreshed = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.CharField())
    orders = OrderOutputSerializer(many=True)


class SavedReplyQuerySerializer(serializers.Serializer):
    shop = serializers.IntegerField(required=False, min_value=1)


class SavedReplyOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    text = serializers.CharField()
    shop_id = serializers.IntegerField(allow_null=True)
    language = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
