"""Site-wide views that belong to no app."""

from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static


def favicon(request):
    """Browsers ask for /favicon.ico on every page, the admin's included. Resolved per request:
    the hashed static name exists only once collectstatic has run."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
