"""django.contrib.admin with the OTP-only admin site (kept apart: imported before apps load)."""

from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    default_site = "shopee_cs.admin_site.StaffAdminSite"
