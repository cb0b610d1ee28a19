from rest_framework import serializers

from chat.serializers import ConversationOutputSerializer
from shopee_cs.api_input import MAX_ID, ClosedSerializer, StrictIntegerField

# Named in SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] (other serializers have a `status` too).
STATUSES = [("online", "online"), ("away", "away"), ("offline", "offline")]
CHOSEN_STATUSES = [("online", "online"), ("away", "away")]


class TeamMemberSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.ChoiceField(
        choices=STATUSES, help_text="offline: no console open; away: chosen, or inactive."
    )
    load = serializers.IntegerField(help_text="Open conversations assigned to the agent.")
    capacity = serializers.IntegerField(help_text="Open conversations routing may assign.")
    languages = serializers.ListField(
        child=serializers.CharField(), help_text="ISO 639-1 codes; empty: any language."
    )
    sites = serializers.ListField(child=serializers.CharField(), help_text="Empty: any site.")


class TeamMemberWithGroupsSerializer(TeamMemberSerializer):
    groups = serializers.ListField(
        child=serializers.IntegerField(), help_text="The agent groups shared with the caller."
    )


class TeamGroupSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    shop_ids = serializers.ListField(child=serializers.IntegerField())


class TeamSerializer(serializers.Serializer):
    me = TeamMemberSerializer()
    groups = TeamGroupSerializer(many=True)
    agents = TeamMemberWithGroupsSerializer(many=True)


class StatusInputSerializer(ClosedSerializer):
    status = serializers.ChoiceField(choices=CHOSEN_STATUSES)


class TransferToAgentSerializer(ClosedSerializer):
    agent = StrictIntegerField(
        min_value=1, max_value=MAX_ID, help_text="An agent of a group covering the shop."
    )


class TransferToGroupSerializer(ClosedSerializer):
    group = StrictIntegerField(
        min_value=1, max_value=MAX_ID, help_text="An agent group covering the shop."
    )


def transfer_input_validate(data) -> dict:
    """Exactly one of the two shapes (`oneOf` in the schema): the keys choose which."""
    is_group = isinstance(data, dict) and "group" in data and "agent" not in data
    serializer = (TransferToGroupSerializer if is_group else TransferToAgentSerializer)(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class TransferOutputSerializer(serializers.Serializer):
    conversation = ConversationOutputSerializer()
    over_capacity = serializers.BooleanField(
        help_text="The agent was at or over capacity when the conversation was given to them."
    )
