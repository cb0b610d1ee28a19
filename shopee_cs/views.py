"""Site-wide views that belong to no app."""

from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.urls import Resolver404, resolve
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt


def favicon(request):
    """Browsers ask for /favicon.ico on every page, the admin's included. Resolved per request:
    the hashed static name exists only once collectstatic has run."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


@csrf_exempt  # it changes nothing; a POST to a wrong URL is a 404, not a CSRF page
def api_not_found(request, path: str = ""):
    """Every unknown URL under /api/ answers like the API does: JSON, never the HTML page. A
    known one without its trailing slash is named, since an API client cannot follow a redirect
    with its body."""
    detail = "Not found."
    if not request.path.endswith("/"):
        try:
            match = resolve(f"{request.path}/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            detail = f"Not found; did you mean {request.path}/ ?"
    return JsonResponse({"detail": detail}, status=404)


def server_error(request):
    """handler500: under /api/ the error is JSON like every other answer there (and carries the
    request id, to find its log lines); elsewhere Django's page."""
    if request.path.startswith("/api/"):
        detail = "Server error; quote the X-Request-ID header when reporting it."
        return JsonResponse({"detail": detail}, status=500)
    return defaults.server_error(request)
