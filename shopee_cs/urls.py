from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from shopee_cs.health import liveness, readiness_view

urlpatterns = [
    path("healthz", liveness, name="healthz"),
    path("readyz", readiness_view(), name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("shops/", include("integrations.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
urlpatterns += i18n_patterns(path("admin/", admin.site.urls), prefix_default_language=False)

admin.site.site_header = "shopee_cs"
admin.site.site_title = "shopee_cs"
if settings.DEBUG:
    admin.site.site_header = "shopee_cs (development)"
