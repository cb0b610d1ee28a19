"""Shop connection pages for admins: pick a marketplace, start its authorization, take the
callback. Every marketplace with a registered adapter is offered; none is named here."""

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from integrations.adapters import adapter_class, platforms
from integrations.selectors import connect_choices
from integrations.services.connect import (
    ConnectError,
    shop_connect_complete,
    shop_connect_state_check,
    shop_connect_url,
)


def _redirect_url(request: HttpRequest, platform: str) -> str:
    return adapter_class(platform).connect_redirect_url() or request.build_absolute_uri(
        reverse("integrations:connect-callback")
    )


@require_GET
@staff_member_required
@permission_required("integrations.add_shop", raise_exception=True)
def shop_connect_choose(request: HttpRequest) -> HttpResponse:
    return render(request, "integrations/connect.html", {"choices": connect_choices()})


@require_GET
@staff_member_required
@permission_required("integrations.add_shop", raise_exception=True)
def shop_connect_start(request: HttpRequest, platform: str) -> HttpResponse:
    if platform not in platforms():
        raise Http404(f"No marketplace {platform!r} can be connected here.")
    problem = adapter_class(platform).connect_configured()
    if problem:
        return render(request, "integrations/connect_error.html", {"error": problem}, status=503)
    url = shop_connect_url(
        platform=platform, redirect_url=_redirect_url(request, platform), user_id=request.user.pk
    )
    return redirect(url)


@require_GET
@staff_member_required
@permission_required("integrations.add_shop", raise_exception=True)
def shop_connect_callback(request: HttpRequest) -> HttpResponse:
    params = request.GET
    try:
        platform = shop_connect_state_check(state=params.get("state", ""), user_id=request.user.pk)
        shops = shop_connect_complete(
            platform=platform,
            code=params.get("code", ""),
            shop_id=params.get("shop_id", ""),
            main_account_id=params.get("main_account_id", ""),
        )
    except ConnectError as exc:
        return render(request, "integrations/connect_error.html", {"error": str(exc)}, status=400)
    names = ", ".join(shop.name for shop in shops)
    messages.success(request, f"Connected: {names}.")
    return redirect("admin:integrations_shop_changelist")
