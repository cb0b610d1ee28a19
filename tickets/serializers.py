"""DRF serializers of the ticket API (tickets.apis)."""

from rest_framework import serializers

from chat.serializers import (
    QueryIntegerField,
    ShopBriefSerializer,
    UserBriefSerializer,
    _datetime,
    _user_name,
)
from integrations.models import Site
from shopee_cs.api_input import MAX_ID, ClosedSerializer, PatternField, StrictIntegerField
from tickets.models import Priority, Status, TicketEvent
from tickets.sla import SlaState

# Patterns the schema states as they are checked: no NUL anywhere, and some non-space.
_NO_NUL = r"[^\u0000]*"
_NO_NUL_SAID = "Null characters are not allowed."
_NOT_BLANK = r"[^\u0000]*[^\s\u0000][^\u0000]*"


def _text(**kwargs) -> PatternField:
    """Free text: anything but NUL (PostgreSQL cannot store it), as the schema says."""
    return PatternField(_NO_NUL, _NO_NUL_SAID, **kwargs)


class TicketTypeSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class TicketTypeListSerializer(serializers.Serializer):
    results = TicketTypeSerializer(many=True)


class GroupBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TicketRowSerializer(serializers.Serializer):
    """A row of the list (built by ticket_rows without DRF's per-field machinery)."""

    id = serializers.IntegerField()
    shop = ShopBriefSerializer()
    ticket_type = TicketTypeSerializer()
    subject = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    priority = serializers.ChoiceField(choices=Priority.choices)
    group_id = serializers.IntegerField(allow_null=True)
    assignee = UserBriefSerializer(allow_null=True)
    order_ref = serializers.CharField()
    return_ref = serializers.CharField()
    buyer_platform_id = serializers.CharField()
    buyer_name = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)
    sla_state = serializers.ChoiceField(choices=SlaState.choices)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


def ticket_rows(rows: list[dict]) -> list[dict]:
    """TicketRowSerializer's output for a page of tickets.selectors rows (a test keeps the
    two shapes equal)."""
    return [
        {
            "id": r["id"],
            "shop": {
                "id": r["shop_id"],
                "name": r["shop__name"],
                "site": r["shop__site"],
                "platform": r["shop__platform"],
            },
            "ticket_type": {"code": r["ticket_type__code"], "name": r["ticket_type__name"]},
            "subject": r["subject"],
            "status": r["status"],
            "priority": r["priority"],
            "group_id": r["group_id"],
            "assignee": None
            if r["assignee_id"] is None
            else {
                "id": r["assignee_id"],
                "name": _user_name(
                    r["assignee__first_name"], r["assignee__last_name"], r["assignee__username"]
                ),
            },
            "order_ref": r["order_ref"],
            "return_ref": r["return_ref"],
            "buyer_platform_id": r["buyer_platform_id"],
            "buyer_name": r["buyer_name"],
            "due_at": _datetime(r["due_at"]),
            "sla_state": r["sla_state"],
            "created_at": _datetime(r["created_at"]),
            "updated_at": _datetime(r["updated_at"]),
        }
        for r in rows
    ]


class TicketPageSerializer(serializers.Serializer):
    results = TicketRowSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)


# As in the conversation list: an empty value (`?site=`) means the parameter is not set, and the
# schema says so by allowing "" (blank); an empty integer is refused.
class TicketListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices, required=False, allow_blank=True)
    type = serializers.SlugField(
        required=False, allow_blank=True, max_length=40, help_text="A ticket type code."
    )
    priority = serializers.ChoiceField(choices=Priority.choices, required=False, allow_blank=True)
    group = QueryIntegerField(required=False, min_value=1, max_value=MAX_ID)
    assignee = QueryIntegerField(required=False, min_value=1, max_value=MAX_ID)
    mine = serializers.BooleanField(required=False, default=False)
    unassigned = serializers.BooleanField(required=False, default=False)
    shop = QueryIntegerField(required=False, min_value=1, max_value=MAX_ID)
    site = serializers.ChoiceField(choices=Site.choices, required=False, allow_blank=True)
    sla = serializers.ChoiceField(choices=SlaState.choices, required=False, allow_blank=True)
    order_ref = _text(required=False, allow_blank=True, max_length=64)
    return_ref = _text(required=False, allow_blank=True, max_length=64)
    buyer = _text(required=False, allow_blank=True, max_length=200, help_text="Buyer id or name.")
    conversation = QueryIntegerField(
        required=False, min_value=1, max_value=MAX_ID, help_text="Tickets linked to it."
    )
    queue = serializers.BooleanField(
        required=False,
        default=False,
        help_text="The caller's queue: their active tickets and their groups' unassigned ones,"
        " due soonest first.",
    )
    cursor = serializers.CharField(required=False, allow_blank=True, max_length=200)
    page_size = QueryIntegerField(required=False, default=50, min_value=1, max_value=100)


class ByConversationQuerySerializer(serializers.Serializer):
    ids = PatternField(
        r"[1-9][0-9]{0,17}(,[1-9][0-9]{0,17}){0,99}",
        "Up to 100 conversation ids, comma-separated.",
        help_text="Conversation ids, comma-separated (at most 100).",
    )

    def validate_ids(self, value: str) -> list[int]:
        return list(dict.fromkeys(int(pk) for pk in value.split(",")))


class OpenTicketCountsSerializer(serializers.Serializer):
    counts = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Conversation id → its active tickets; conversations without any are left out.",
    )


class AttachmentSerializer(serializers.Serializer):
    url = serializers.CharField()
    created_at = serializers.DateTimeField()


class NoteOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = UserBriefSerializer(allow_null=True)
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


class HistoryEntrySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=TicketEvent.Kind.choices)
    actor = UserBriefSerializer(allow_null=True)
    field = serializers.CharField()
    old_value = serializers.CharField()
    new_value = serializers.CharField()
    created_at = serializers.DateTimeField()


class TicketDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    shop = ShopBriefSerializer()
    ticket_type = TicketTypeSerializer()
    subject = serializers.CharField()
    description = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    allowed_statuses = serializers.ListField(child=serializers.ChoiceField(choices=Status.choices))
    priority = serializers.ChoiceField(choices=Priority.choices)
    group = GroupBriefSerializer(allow_null=True)
    assignee = UserBriefSerializer(allow_null=True)
    conversation_ids = serializers.ListField(child=serializers.IntegerField())
    order_ref = serializers.CharField()
    return_ref = serializers.CharField()
    buyer_platform_id = serializers.CharField()
    buyer_name = serializers.CharField()
    merged_into_id = serializers.IntegerField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    sla_state = serializers.ChoiceField(choices=SlaState.choices)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    attachments = AttachmentSerializer(many=True)
    notes = NoteOutputSerializer(many=True)
    history = HistoryEntrySerializer(many=True)


class TicketCreateInputSerializer(ClosedSerializer):
    """Either `conversation_ids` (the shop, buyer, order and return are taken from the first's
    conversation cache when not given) or `shop_id`."""

    ticket_type = serializers.SlugField(max_length=40, help_text="A ticket type code.")
    subject = PatternField(
        _NOT_BLANK, "A subject: some text, without NUL.", max_length=200, trim_whitespace=False
    )
    description = _text(required=False, allow_blank=True, max_length=5000)
    shop_id = StrictIntegerField(required=False, min_value=1, max_value=MAX_ID)
    conversation_ids = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_ID), required=False, max_length=20
    )
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    group_id = StrictIntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    assignee_id = StrictIntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    order_ref = _text(required=False, allow_blank=True, max_length=64)
    return_ref = _text(required=False, allow_blank=True, max_length=64)
    attachments = serializers.ListField(
        child=PatternField(
            r"https?://[!-~]{1,990}", "An http(s) URL without spaces.", max_length=1000
        ),
        required=False,
        max_length=20,
    )

    def validate(self, attrs):
        if not attrs.get("shop_id") and not attrs.get("conversation_ids"):
            raise serializers.ValidationError("Give shop_id or conversation_ids.")
        return attrs


class TransitionInputSerializer(ClosedSerializer):
    # A ticket moves to any status but "new" (where it starts), as the workflow allows.
    status = serializers.ChoiceField(choices=[c for c in Status.choices if c[0] != Status.NEW])


class NoteInputSerializer(ClosedSerializer):
    body = PatternField(
        _NOT_BLANK, "A note: some text, without NUL.", max_length=5000, trim_whitespace=False
    )
