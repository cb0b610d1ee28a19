"""Supervisors set each agent's capacity, languages and sites, and each group's routing."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from automation.models import AgentProfile, GroupRouting
from automation.services.routing import agent_load, agent_status


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "status", "load", "capacity", "languages", "sites")
    fields = ("user", "capacity", "languages", "sites", "chosen_status", "last_activity_at")
    readonly_fields = ("last_activity_at",)
    search_fields = ("user__username", "user__first_name", "user__last_name")
    raw_id_fields = ("user",)

    @admin.display(description=_("status"))
    def status(self, obj):
        return agent_status(profile=obj)

    @admin.display(description=_("load"))
    def load(self, obj):
        return agent_load(user_id=obj.user_id)


@admin.register(GroupRouting)
class GroupRoutingAdmin(admin.ModelAdmin):
    list_display = ("group", "auto_assign", "reassign_after_seconds")
