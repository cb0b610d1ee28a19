from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from shopee_cs.models import User


@admin.register(User)
class ShopeeCsUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Profile", {"fields": ("display_name",)}))
