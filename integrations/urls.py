from django.urls import path

from integrations import views

app_name = "integrations"
urlpatterns = [
    path("connect/", views.shop_connect_start, name="connect-start"),
    path("connect/callback/", views.shop_connect_callback, name="connect-callback"),
]
