from django.contrib import admin

from chat.models import AgentGroup


@admin.register(AgentGroup)
class AgentGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    filter_horizontal = ["shops", "members"]
