"""The agent console page. It renders the shell; the page talks to the REST API and /ws/agent/.

The event baseline (`last_event_id`) is read before the page loads its lists, so the socket
replays whatever happened in between: nothing falls in the gap between the page and the socket.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override

from chat.console_i18n import console_strings
from chat.selectors import live_event_last_id, shop_list_for_user
from chat.services.send_rules import MAX_TEXT_LENGTH


def _console_csp() -> dict:
    # Buyers' images and stickers live on the marketplace's CDN (https); the simulator serves
    # its own over http on SHOPEE_HOST.
    img = [CSP.SELF, "data:", "https:"]
    if settings.SHOPEE_HOST.startswith("http://"):
        img.append(settings.SHOPEE_HOST)
    return {**settings.SECURE_CSP, "img-src": img}


def _admin_url(request) -> str:
    """The admin's address for those it lets in (StaffAdminSite.has_permission: verified staff
    with something to do there); "" for everyone else."""
    return reverse("admin:index") if admin.site.has_permission(request) else ""


@login_required
@csp_override(_console_csp())
def console_view(request):
    shops = list(shop_list_for_user(user=request.user))
    return render(
        request,
        "chat/console.html",
        {
            "shops": shops,
            "admin_url": _admin_url(request),
            "console_config": {
                "userId": request.user.pk,
                "lastEventId": live_event_last_id(),
                "targetSeconds": settings.FIRST_RESPONSE_TARGET_SECONDS,
                "maxLength": MAX_TEXT_LENGTH,
                "shops": {
                    s.pk: {
                        "name": s.name,
                        "site": s.site,
                        "targetSeconds": s.first_response_target_seconds,
                    }
                    for s in shops
                },
                "strings": console_strings(),
            },
        },
    )
