from django.contrib import admin

from integrations.models import Shop


@admin.register(Shop)
class ShopAdmin(admin.ModelAdmin):
    list_display = ["name", "platform", "site", "platform_shop_id", "status", "updated_at"]
    list_filter = ["platform", "site", "status"]
    search_fields = ["name", "platform_shop_id"]
    readonly_fields = ["created_at", "updated_at"]
