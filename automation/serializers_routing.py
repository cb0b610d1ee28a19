from rest_framework import serializers

from chat.serializers import ConversationOutputSerializer
from shopee_cs.api_input import MAX_ID, ClosedSerializer, StrictIntegerField

STATUSES = [("online", "online"), ("away", "away"), ("offline", "offline")]


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
    status = serializers.ChoiceField(choices=[("online", "online"), ("away", "away")])


class TransferInputSerializer(ClosedSerializer):
    agent = StrictIntegerField(required=False, min_value=1, max_value=MAX_ID)
    group = StrictIntegerField(required=False, min_value=1, max_value=MAX_ID)

    def validate(self, attrs):
        if ("agent" in attrs) == ("group" in attrs):
            raise serializers.ValidationError("Give either an agent or a group.")
        return attrs


class TransferOutputSerializer(serializers.Serializer):
    conversation = ConversationOutputSerializer()
    over_capacity = serializers.BooleanField(
        help_text="The agent was at or over capacity when the conversation was given to them."
    )
