from django.urls import path

from tickets import apis

urlpatterns = [
    path("", apis.TicketListApi.as_view(), name="api-ticket-list"),
    path("types/", apis.TicketTypeListApi.as_view(), name="api-ticket-types"),
    path(
        "by-conversation/",
        apis.TicketCountsByConversationApi.as_view(),
        name="api-ticket-counts-by-conversation",
    ),
    path("<int:ticket_id>/", apis.TicketDetailApi.as_view(), name="api-ticket-detail"),
    path(
        "<int:ticket_id>/transition/",
        apis.TicketTransitionApi.as_view(),
        name="api-ticket-transition",
    ),
    path("<int:ticket_id>/notes/", apis.TicketNotesApi.as_view(), name="api-ticket-notes"),
]
