from django.urls import path

from integrations import views

app_name = "integrations"
urlpatterns = [
    path("connect/", views.shop_connect_choose, name="connect"),
    path("connect/callback/", views.shop_connect_callback, name="connect-callback"),
    path("connect/<str:platform>/", views.shop_connect_start, name="connect-start"),
]
