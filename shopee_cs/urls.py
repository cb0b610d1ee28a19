from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path, re_path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from chat.views import console_view
from chat.webhooks import push_webhook
from shopee_cs.health import liveness, readiness_view
from shopee_cs.security.apis import MeApi
from shopee_cs.views import api_not_found, favicon

# Swagger UI's assets come from drf-spectacular-sidecar (served from /static/) and its init script
# from the split view's own URL; only its inline styles need a relaxation.
_SWAGGER_CSP = {**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE]}

urlpatterns = [
    path("healthz", liveness, name="healthz"),
    path("favicon.ico", favicon),
    path("readyz", readiness_view(), name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("webhooks/<str:platform>/", push_webhook, name="webhook"),
    path("api/v1/me/", MeApi.as_view(), name="api-me"),
    path("api/v1/", include("chat.urls")),
    path("api/v1/", include("automation.urls")),
    path("api/v1/tickets/", include("tickets.urls")),
    path("api/v1/alerts/", include("alerts.urls")),
    path("api/v1/reports/", include("kpi.urls")),
    path("shops/", include("integrations.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        login_required(
            csp_override(_SWAGGER_CSP)(SpectacularSwaggerSplitView.as_view(url_name="api-schema"))
        ),
        name="api-docs",
    ),
    re_path(r"^api/(?P<path>.*)$", api_not_found),  # after every API route: JSON, not HTML
    path("", RedirectView.as_view(pattern_name="console", permanent=False)),
]
# Staff pages: /accounts/... in English, /zh-hans/accounts/... in Chinese (the switcher redirects).
urlpatterns += i18n_patterns(
    path("console/", console_view, name="console"),
    path("accounts/", include("shopee_cs.security.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)

handler500 = "shopee_cs.views.server_error"

if settings.DEBUG:
    admin.site.site_header = "shopee_cs (development)"
