from django.contrib import admin, messages
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from kombu.exceptions import OperationalError as KombuOperationalError

from chat.models import AgentGroup, Conversation, InboundEvent, Message, ShopSyncState
from chat.selectors import shop_scope_filter
from chat.services.pipeline.inbound import inbound_events_reprocess
from chat.tasks import shop_reconcile_task
from shopee_cs.admin_readonly import ReadOnlyModelAdmin
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


@admin.register(InboundEvent)
class InboundEventAdmin(ReadOnlyModelAdmin):
    """The inbound event log, read-only: parked pushes and unreadable records are found here,
    with what was received and why it could not be processed."""

    list_display = [
        "received_at",
        "platform",
        "source",
        "kind",
        "shop_platform_id",
        "status",
        "attempts",
        "short_error",
    ]
    list_filter = ["status", "source", "platform", "kind"]
    search_fields = ["dedup_key", "shop_platform_id", "error"]
    show_full_result_count = False  # the log holds every push of the retention period
    ordering = ["-received_at"]
    actions = ["reprocess"]

    @admin.display(description=_("error"))
    def short_error(self, event: InboundEvent) -> str:
        return event.error[:120]

    @admin.action(
        description=_("Process the selected parked events again"), permissions=["reprocess"]
    )
    def reprocess(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        queued, skipped = inbound_events_reprocess(event_ids=ids)
        self.message_user(
            request,
            ngettext("%d event queued for processing.", "%d events queued for processing.", queued)
            % queued,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%d event skipped: only a parked event that was read can be processed again.",
                    "%d events skipped: only a parked event that was read can be processed again.",
                    skipped,
                )
                % skipped,
                messages.WARNING,
            )

    def has_reprocess_permission(self, request) -> bool:
        return request.user.has_perm("chat.change_inboundevent")


@admin.register(ShopSyncState)
class ShopSyncStateAdmin(ReadOnlyModelAdmin):
    """Each shop's pull-sync, read-only: when it last ran, its error or backoff, whether a run
    holds it now, and how far its conversations are synced."""

    list_display = [
        "shop",
        "shop_status",
        "last_run_at",
        "conversations_synced_until",
        "backoff_until",
        "running_until",
        "last_error",
    ]
    list_select_related = ["shop"]
    actions = ["sync_now"]

    @admin.display(description=_("shop status"), ordering="shop__status")
    def shop_status(self, state: ShopSyncState) -> str:
        # A shop that needs re-authorization is not synced: its last error says why.
        return state.shop.get_status_display()

    @admin.action(description=_("Sync the selected shops now"), permissions=["sync"])
    def sync_now(self, request, queryset):
        shop_ids = list(queryset.values_list("shop_id", flat=True))
        try:
            for shop_id in shop_ids:
                shop_reconcile_task.delay(shop_id)  # a shop already being synced is skipped
        except KombuOperationalError:
            message = _("The task queue cannot be reached; beat syncs every shop once it is.")
            self.message_user(request, message, messages.ERROR)
            return
        self.message_user(
            request,
            ngettext("%d shop queued for a sync.", "%d shops queued for a sync.", len(shop_ids))
            % len(shop_ids),
        )

    def has_sync_permission(self, request) -> bool:
        return request.user.has_perm("chat.change_shopsyncstate")


# -- conversations and their transcripts, read-only, for supervisors' quality review -------------
# Rows are scoped with the API's selector: a supervisor sees the shops of their agent groups only,
# in the list, the filters' choices (RelatedOnlyFieldListFilter lists what the scoped rows hold)
# and the detail pages alike.

MARKETPLACE_ORDER = (Coalesce("platform_created_at", "created_at").asc(), "created_at", "id")


class ScopedToUserShops:
    def get_queryset(self, request):
        return shop_scope_filter(super().get_queryset(request), user=request.user)


class TranscriptInline(admin.TabularInline):
    model = Message
    fk_name = "conversation"
    verbose_name = _("message")
    verbose_name_plural = _("transcript")
    fields = ["platform_created_at", "sender_kind", "sender_user", "kind", "text", "status"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("sender_user").order_by(*MARKETPLACE_ORDER)
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Conversation)
class ConversationAdmin(ScopedToUserShops, ReadOnlyModelAdmin):
    list_display = [
        "__str__",
        "shop",
        "site",
        "status",
        "assignee",
        "group",
        "last_message_at",
        "awaiting_reply_since",
    ]
    list_filter = [
        ("shop", admin.RelatedOnlyFieldListFilter),
        "shop__site",
        "status",
        ("assignee", admin.RelatedOnlyFieldListFilter),
        ("group", admin.RelatedOnlyFieldListFilter),
        ("last_message_at", admin.DateFieldListFilter),
    ]
    search_fields = ["buyer_name", "=buyer_platform_id", "=platform_conversation_id"]
    list_select_related = ["shop", "assignee", "group"]
    show_full_result_count = False
    ordering = ["-last_message_at", "-id"]
    inlines = [TranscriptInline]

    @admin.display(description=_("site"), ordering="shop__site")
    def site(self, conversation: Conversation) -> str:
        return conversation.shop.get_site_display()


@admin.register(Message)
class MessageAdmin(ScopedToUserShops, ReadOnlyModelAdmin):
    list_display = [
        "platform_created_at",
        "conversation",
        "sender_kind",
        "sender_user",
        "kind",
        "short_text",
        "status",
    ]
    list_filter = [
        ("shop", admin.RelatedOnlyFieldListFilter),
        "shop__site",
        "sender_kind",
        "status",
        ("sender_user", admin.RelatedOnlyFieldListFilter),
        ("conversation__group", admin.RelatedOnlyFieldListFilter),
        ("created_at", admin.DateFieldListFilter),
    ]
    search_fields = ["text", "=platform_message_id"]
    list_select_related = ["conversation__shop", "sender_user"]
    show_full_result_count = False
    ordering = ["-created_at", "-id"]

    @admin.display(description=_("text"))
    def short_text(self, message: Message) -> str:
        return message.text[:120]
