from django.contrib import admin

from chat.models import AgentGroup, SavedReply
from shopee_cs.security.services import user_access_revoke


@admin.register(AgentGroup)
class AgentGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    filter_horizontal = ["shops", "members"]

    def save_related(self, request, form, formsets, change):
        group = form.instance
        before_members = set(group.members.values_list("pk", flat=True)) if change else set()
        before_shops = set(group.shops.values_list("pk", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        after_members = set(group.members.values_list("pk", flat=True))
        if before_shops != set(group.shops.values_list("pk", flat=True)):
            affected = before_members | after_members  # everyone's shop set changed
        else:
            affected = before_members - after_members  # only the removed members lost access
        # Open sockets close and reconnect, joining the shop groups they may now see.
        for user_id in affected:
            user_access_revoke(user_id=user_id, reason="agent_group_changed")


@admin.register(SavedReply)
class SavedReplyAdmin(admin.ModelAdmin):
    list_display = ["title", "shop", "language", "is_active", "updated_at"]
    list_filter = ["is_active", "shop"]
    search_fields = ["title", "text"]
