from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from chat.selectors import shop_get_for_user, shop_list_for_user
from integrations.models import Shop


class ShopOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    platform = serializers.CharField()
    platform_shop_id = serializers.CharField()
    site = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()


class ShopListApi(APIView):
    """Shops visible to the caller (a key sees what its owner sees)."""

    required_scopes = ["shops:read"]

    @extend_schema(operation_id="shop_list", responses=ShopOutputSerializer(many=True))
    def get(self, request):
        shops = shop_list_for_user(user=request.user)
        return Response(ShopOutputSerializer(shops, many=True).data)


class ShopDetailApi(APIView):
    required_scopes = ["shops:read"]

    @extend_schema(operation_id="shop_detail", responses=ShopOutputSerializer)
    def get(self, request, shop_id: int):
        try:
            shop = shop_get_for_user(user=request.user, shop_id=shop_id)
        except Shop.DoesNotExist:
            raise Http404 from None  # another team's shop looks exactly like a missing one
        return Response(ShopOutputSerializer(shop).data)
