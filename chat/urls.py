from django.urls import path

from chat import apis

urlpatterns = [
    path("shops/", apis.ShopListApi.as_view(), name="api-shop-list"),
    path("shops/<int:shop_id>/", apis.ShopDetailApi.as_view(), name="api-shop-detail"),
]
