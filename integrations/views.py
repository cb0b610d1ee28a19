"""Shop connection pages for admins: start the marketplace authorization, take the callback."""

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from integrations.models import Platform
from integrations.services.connect import (
    ConnectError,
    shop_connect_complete,
    shop_connect_state_check,
    shop_connect_url,
)


def _redirect_url(request: HttpRequest) -> str:
    return settings.SHOPEE_REDIRECT_URL or request.build_absolute_uri(
        reverse("integrations:connect-callback")
    )


@require_GET
@staff_member_required
@permission_required("integrations.add_shop", raise_exception=True)
def shop_connect_start(request: HttpRequest) -> HttpResponse:
    if not (settings.SHOPEE_PARTNER_ID and settings.SHOPEE_PARTNER_KEY):
        return render(
            request,
            "integrations/connect_error.html",
            {"error": "SHOPEE_PARTNER_ID and SHOPEE_PARTNER_KEY are not configured."},
            status=503,
        )
    url = shop_connect_url(
        platform=Platform.SHOPEE, redirect_url=_redirect_url(request), user_id=request.user.pk
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
