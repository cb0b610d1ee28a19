from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from shopee_cs.security.drf import request_api_key


class MeApi(APIView):
    """Who am I: the user, and for API-key requests the key and its scopes."""

    required_scopes: list[str] = []  # any valid key may ask who it is

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()
        display_name = serializers.CharField()
        roles = serializers.ListField(child=serializers.CharField())
        auth = serializers.CharField()
        api_key = serializers.DictField(allow_null=True)

    @extend_schema(operation_id="me", responses=OutputSerializer)
    def get(self, request):
        user = request.user
        api_key = request_api_key(request)
        data = {
            "id": user.pk,
            "username": user.get_username(),
            "display_name": user.display_name,
            "roles": [g.name for g in user.groups.all()],
            "auth": "api_key" if api_key else "session",
            "api_key": (
                {"name": api_key.name, "prefix": api_key.prefix, "scopes": api_key.scopes}
                if api_key
                else None
            ),
        }
        return Response(self.OutputSerializer(data).data)
