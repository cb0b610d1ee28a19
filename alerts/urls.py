from django.urls import path

from alerts import apis

urlpatterns = [
    path("", apis.AlertListApi.as_view(), name="api-alert-list"),
    path(
        "<int:alert_id>/acknowledge/",
        apis.AlertAcknowledgeApi.as_view(),
        name="api-alert-acknowledge",
    ),
]
