"""django.contrib.admin with the OTP-only admin site, and readable admin section names for the
third-party apps (kept apart: imported before apps load)."""

from axes.apps import AppConfig as AxesConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.apps import DefaultConfig as OTPStaticConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as OTPTOTPConfig


class StaffAdminConfig(AdminConfig):
    default_site = "shopee_cs.admin_site.StaffAdminSite"


def _name_model(model, singular, plural) -> None:
    # django-otp's model names are plain strings the catalog cannot reach; migrations read the
    # model's original Meta, so they do not change.
    model._meta.verbose_name, model._meta.verbose_name_plural = singular, plural


class AuthenticatorAppsConfig(OTPTOTPConfig):
    verbose_name = _("Two-factor: authenticator apps")

    def ready(self) -> None:
        super().ready()
        _name_model(self.get_model("TOTPDevice"), _("authenticator app"), _("authenticator apps"))


class BackupCodesConfig(OTPStaticConfig):
    verbose_name = _("Two-factor: backup codes")

    def ready(self) -> None:
        super().ready()
        _name_model(self.get_model("StaticDevice"), _("backup code set"), _("backup code sets"))


class SignInLockoutConfig(AxesConfig):
    verbose_name = _("Sign-in lockouts")
