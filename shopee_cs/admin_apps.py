"""django.contrib.admin with the OTP-only admin site, and readable admin section names for the
third-party apps (kept apart: imported before apps load)."""

from axes.apps import AppConfig as AxesConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.apps import DefaultConfig as OTPStaticConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as OTPTOTPConfig


class StaffAdminConfig(AdminConfig):
    default_site = "shopee_cs.admin_site.StaffAdminSite"


class AuthenticatorAppsConfig(OTPTOTPConfig):
    verbose_name = _("Two-factor: authenticator apps")


class BackupCodesConfig(OTPStaticConfig):
    verbose_name = _("Two-factor: backup codes")


class SignInLockoutConfig(AxesConfig):
    verbose_name = _("Sign-in lockouts")
