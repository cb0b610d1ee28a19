"""Routing's REST API (mounted at /api/v1/): the team panel, the agent's status switch and
heartbeat, and manual transfers. Thin: parse, call one service, respond."""

from django.http import Http404
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import status as http
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from automation import serializers_routing as s
from automation.services.routing_console import (
    TransferRefused,
    agent_heartbeat,
    agent_row,
    agent_status_set,
    conversation_transfer,
    team_for_user,
    team_groups_for_user,
)
from chat.models import Conversation
from chat.selectors import conversation_get_for_user
from chat.serializers import ConversationOutputSerializer


class TeamApi(APIView):
    """The agents of my groups (an admin: of every group): status, load, capacity, skills."""

    required_scopes = ["conversations:read"]

    @extend_schema(operation_id="team_list", responses=s.TeamSerializer)
    def get(self, request):
        groups = team_groups_for_user(user=request.user).prefetch_related("shops")
        return Response(
            {
                "me": agent_row(user=request.user),
                "groups": [
                    {"id": g.pk, "name": g.name, "shop_ids": sorted(x.pk for x in g.shops.all())}
                    for g in groups
                ],
                "agents": team_for_user(user=request.user),
            }
        )


class MyStatusApi(APIView):
    required_scopes = ["conversations:write"]

    @extend_schema(
        operation_id="my_status_set",
        request=s.StatusInputSerializer,
        responses=s.TeamMemberSerializer,
        description="Online or away. Going online queues a drain of my groups' queues; the "
        "status shown is offline while no console socket is open.",
    )
    def put(self, request):
        data = s.StatusInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(agent_status_set(user=request.user, status=data.validated_data["status"]))


class MyActivityApi(APIView):
    required_scopes = ["conversations:write"]

    @extend_schema(
        operation_id="my_activity",
        request=None,
        responses={204: None},
        description="The console's heartbeat on user input: keeps me from turning away after "
        "inactivity (stored at most once per 30 s).",
    )
    def post(self, request):
        agent_heartbeat(user=request.user)
        return Response(status=http.HTTP_204_NO_CONTENT)


class ConversationTransferApi(APIView):
    required_scopes = ["conversations:write"]

    @extend_schema(
        operation_id="conversation_transfer",
        request=PolymorphicProxySerializer(
            component_name="TransferInput",
            serializers=[s.TransferToAgentSerializer, s.TransferToGroupSerializer],
            resource_type_field_name=None,
        ),
        responses=s.TransferOutputSerializer,
        description="To an agent of a group covering the conversation's shop (allowed over "
        "capacity: `over_capacity` says so) or to such a group (routing assigns it to an "
        "available agent of the group, or it waits in the group's queue).",
    )
    def post(self, request, conversation_id: int):
        try:
            conversation = conversation_get_for_user(
                user=request.user, conversation_id=conversation_id
            )
        except Conversation.DoesNotExist:
            raise Http404 from None
        data = s.transfer_input_validate(request.data)
        try:
            result = conversation_transfer(
                conversation=conversation,
                actor=request.user,
                agent_id=data.get("agent"),
                group_id=data.get("group"),
            )
        except TransferRefused as exc:
            raise ValidationError({exc.field: [str(exc)]}) from None
        return Response(
            {
                "conversation": ConversationOutputSerializer(result.conversation).data,
                "over_capacity": result.over_capacity,
            }
        )
