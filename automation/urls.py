from django.urls import path

from automation import apis, apis_routing

urlpatterns = [
    path(
        "conversations/<int:conversation_id>/templates/",
        apis.ConversationTemplatesApi.as_view(),
        name="api-conversation-templates",
    ),
    path(
        "conversations/<int:conversation_id>/transfer/",
        apis_routing.ConversationTransferApi.as_view(),
        name="api-conversation-transfer",
    ),
    path("team/", apis_routing.TeamApi.as_view(), name="api-team"),
    path("me/status/", apis_routing.MyStatusApi.as_view(), name="api-my-status"),
    path("me/activity/", apis_routing.MyActivityApi.as_view(), name="api-my-activity"),
]
