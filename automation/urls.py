from django.urls import path

from automation import apis

urlpatterns = [
    path(
        "conversations/<int:conversation_id>/templates/",
        apis.ConversationTemplatesApi.as_view(),
        name="api-conversation-templates",
    ),
]
