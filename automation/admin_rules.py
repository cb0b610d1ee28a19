"""Auto-reply rules and their runs for supervisors: rules in the order they are tried, with the
conditions and actions explained; runs read-only (the audit). Scoped to the user's shops plus the
global rules, which only a user who sees every shop may change."""

from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from automation.models import AutoReplyRule, AutoReplyRun, ShopAutomation, TrackingUpdate
from chat.models import AgentGroup
from chat.selectors import visible_shop_ids
from integrations.models import Shop
from shopee_cs.admin_readonly import ReadOnlyModelAdmin


def _visible(request) -> list[int] | None:
    if not hasattr(request, "_automation_visible_shops"):
        request._automation_visible_shops = visible_shop_ids(request.user)
    return request._automation_visible_shops


def _scoped_shops(request):
    visible = _visible(request)
    return Shop.objects.all() if visible is None else Shop.objects.filter(pk__in=visible)


@admin.register(AutoReplyRule)
class AutoReplyRuleAdmin(admin.ModelAdmin):
    list_display = ["priority", "name", "shop", "site", "conditions", "what_it_does", "is_active"]
    list_display_links = ["name"]
    list_filter = ["is_active", "shop", "site"]
    search_fields = ["name", "keywords"]
    ordering = ["priority", "id"]
    fieldsets = [
        (
            None,
            {
                "fields": ["name", "is_active", "priority", "shop", "site", "cooldown_seconds"],
                "description": _(
                    "Rules are tried in priority order (lower first; equal priorities in the order "
                    "they were created). The first rule whose conditions all hold fires, and no "
                    "other rule runs for that message. A buyer left without an auto-reply goes "
                    "to an agent."
                ),
            },
        ),
        (
            _("Conditions (all must hold; empty means any)"),
            {
                "fields": [
                    "intents",
                    "keywords",
                    "languages",
                    "business_hours",
                    "first_message_only",
                    "has_order",
                ]
            },
        ),
        (
            _("Actions"),
            {
                "fields": [
                    "template",
                    "answer_tracking",
                    "not_shipped_template",
                    "add_tags",
                    "assign_group",
                    "ticket_type",
                    "hand_to_human",
                ],
                "description": _(
                    "Auto-replies are sent as marked automatic messages and follow the "
                    "marketplace's rules: never the same text to a buyer twice within 24 hours, "
                    "and they count toward the limit of unanswered messages."
                ),
            },
        ),
    ]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("shop", "template", "ticket_type")
        visible = _visible(request)
        return qs if visible is None else qs.filter(Q(shop__isnull=True) | Q(shop__in=visible))

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.shop_id is None and _visible(request) is not None:
            return False  # a global rule acts on shops this user does not see
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.shop_id is None and _visible(request) is not None:
            return False
        return super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "shop":
            kwargs["queryset"] = _scoped_shops(request)
            kwargs["required"] = _visible(request) is not None
        if db_field.name == "assign_group":
            visible = _visible(request)
            groups = AgentGroup.objects.all()
            if visible is not None:
                groups = groups.filter(shops__in=visible).distinct()
            kwargs["queryset"] = groups
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("conditions"))
    def conditions(self, rule: AutoReplyRule) -> str:
        parts = [*rule.intents, *(f'"{k}"' for k in rule.keywords), *rule.languages]
        if rule.business_hours != AutoReplyRule.BusinessHours.ANY:
            parts.append(str(rule.get_business_hours_display()))
        if rule.first_message_only:
            parts.append(str(_("first message")))
        if rule.has_order != AutoReplyRule.HasOrder.ANY:
            parts.append(str(rule.get_has_order_display()))
        return ", ".join(parts) or "—"

    @admin.display(description=_("actions"))
    def what_it_does(self, rule: AutoReplyRule) -> str:
        parts = []
        if rule.answer_tracking:
            parts.append(str(_("tracking answer")))
        elif rule.template_id:
            parts.append(str(rule.template))
        parts += [f"#{tag}" for tag in rule.add_tags]
        if rule.ticket_type_id:
            parts.append(str(rule.ticket_type))
        if rule.hand_to_human:
            parts.append(str(_("to a human")))
        return ", ".join(parts) or "—"


@admin.register(AutoReplyRun)
class AutoReplyRunAdmin(ReadOnlyModelAdmin):
    list_display = [
        "created_at",
        "rule",
        "shop",
        "conversation",
        "outcome",
        "code",
        "reason",
        "handed_to_human",
    ]
    list_filter = ["outcome", "rule", "shop", "handed_to_human"]
    list_select_related = ["rule", "shop", "conversation"]
    date_hierarchy = "created_at"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        visible = _visible(request)
        return qs if visible is None else qs.filter(shop__in=visible)


@admin.register(ShopAutomation)
class ShopAutomationAdmin(admin.ModelAdmin):
    list_display = ["shop", "proactive_tracking_updates"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        visible = _visible(request)
        return qs if visible is None else qs.filter(shop__in=visible)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "shop":
            kwargs["queryset"] = _scoped_shops(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(TrackingUpdate)
class TrackingUpdateAdmin(ReadOnlyModelAdmin):
    list_display = ["created_at", "shop", "order_ref", "tracking_status_code", "reply"]
    list_filter = ["shop", "tracking_status_code"]
    list_select_related = ["shop", "reply"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        visible = _visible(request)
        return qs if visible is None else qs.filter(shop__in=visible)
