"""The admin site requires an OTP-verified session (django-otp's OTPAdminSite).

Sign-in happens on the staff pages (/accounts/login/ then the OTP step), so the admin's own login
view only routes people there.
"""

from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseForbidden
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django_otp.admin import OTPAdminSite


class StaffAdminSite(OTPAdminSite):
    site_header = "shopee_cs"
    site_title = "shopee_cs"

    def has_permission(self, request) -> bool:
        # Staff without any model permission (agents) have nothing to do here: they get the
        # refusal below rather than an empty index.
        user = request.user
        return super().has_permission(request) and (
            user.is_superuser or bool(user.get_all_permissions())
        )

    def login(self, request, extra_context=None):
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(next_url)
        if not user.is_verified():
            return redirect(f"{reverse('otp-verify')}?{urlencode({'next': next_url})}")
        return HttpResponseForbidden(
            _("Your account has no access to the admin."), content_type="text/plain; charset=utf-8"
        )
