from django.urls import path

from kpi import apis

urlpatterns = [
    path("summary/", apis.SummaryApi.as_view(), name="report-summary"),
    path("agents/", apis.AgentsApi.as_view(), name="report-agents"),
    path("shops/", apis.ShopsApi.as_view(), name="report-shops"),
    path("trend/", apis.TrendApi.as_view(), name="report-trend"),
    path("response-rate/", apis.ResponseRateApi.as_view(), name="report-response-rate"),
]
