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
from chat.services.pipeline.send_rules import send_policy
from integrations.adapters import adapter_class, platforms
from shopee_cs.security.roles import ROLE_ADMIN, ROLES


def _console_csp() -> dict:
    # Buyers' images and stickers live on the marketplaces' CDNs (https); a simulator may
    # serve its own over http (the adapter names it).
    img = [CSP.SELF, "data:", "https:"]
    for platform in platforms():
        img += adapter_class(platform).media_sources()
    return {**settings.SECURE_CSP, "img-src": img}


def _admin_url(request) -> str:
    """The admin's address for those it lets in (StaffAdminSite.has_permission: verified staff
    with something to do there); "" for everyone else."""
    return reverse("admin:index") if admin.site.has_permission(request) else ""


def _shop_config(shop, registered) -> dict:
    # The reply box's counter: the length the shop's marketplace allows (null: no limit).
    policy = send_policy(shop.platform) if shop.platform in registered else None
    return {
        "name": shop.name,
        "site": shop.site,
        "platform": shop.platform,
        "maxLength": policy.max_text_length if policy else None,
        "targetSeconds": shop.first_response_target_seconds,
    }


def _roles(user) -> list[str]:
    """The user's roles (a superuser counts as Admin): the console shows supervisors and admins
    every warning of their scope, agents those that mention them."""
    roles = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
    if user.is_superuser:
        roles.add(ROLE_ADMIN)
    return sorted(roles)


@login_required
@csp_override(_console_csp())
def console_view(request):
    shops = list(shop_list_for_user(user=request.user))
    registered = set(platforms())  # a shop of a marketplace with no adapter sends nothing
    return render(
        request,
        "chat/console.html",
        {
            "shops": shops,
            "admin_url": _admin_url(request),
            "console_config": {
                "userId": request.user.pk,
                "roles": _roles(request.user),
                "lastEventId": live_event_last_id(),
                "targetSeconds": settings.FIRST_RESPONSE_TARGET_SECONDS,
                "shops": {s.pk: _shop_config(s, registered) for s in shops},
                "strings": console_strings({s.platform for s in shops} & registered),
            },
        },
    )
