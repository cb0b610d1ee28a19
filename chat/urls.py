from django.urls import path

from chat import apis

urlpatterns = [
    path("shops/", apis.ShopListApi.as_view(), name="api-shop-list"),
    path("shops/<int:shop_id>/", apis.ShopDetailApi.as_view(), name="api-shop-detail"),
    path("conversations/", apis.ConversationListApi.as_view(), name="api-conversation-list"),
    path(
        "conversations/<int:conversation_id>/",
        apis.ConversationDetailApi.as_view(),
        name="api-conversation-detail",
    ),
    path(
        "conversations/<int:conversation_id>/messages/",
        apis.ConversationMessagesApi.as_view(),
        name="api-conversation-messages",
    ),
    path(
        "conversations/<int:conversation_id>/read/",
        apis.ConversationReadApi.as_view(),
        name="api-conversation-read",
    ),
    path(
        "conversations/<int:conversation_id>/assign/",
        apis.ConversationAssignApi.as_view(),
        name="api-conversation-assign",
    ),
    path(
        "conversations/<int:conversation_id>/resolve/",
        apis.ConversationResolveApi.as_view(),
        name="api-conversation-resolve",
    ),
    path(
        "conversations/<int:conversation_id>/reopen/",
        apis.ConversationReopenApi.as_view(),
        name="api-conversation-reopen",
    ),
    path(
        "conversations/<int:conversation_id>/orders/",
        apis.ConversationOrdersApi.as_view(),
        name="api-conversation-orders",
    ),
    path(
        "conversations/<int:conversation_id>/orders/refresh/",
        apis.ConversationOrdersRefreshApi.as_view(),
        name="api-conversation-orders-refresh",
    ),
    path("messages/<int:message_id>/retry/", apis.MessageRetryApi.as_view(), name="api-msg-retry"),
]
