"""Group robots in the admin: secrets write-only, checked at save, tried with a test message."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from alerts.models import Alert, AlertDelivery, GroupAlertPolicy, ImContact, Robot
from alerts.services.robots import (
    robot_save,
    robot_secret_check,
    robot_test_send,
    robot_url_check,
)
from chat.models import AgentGroup
from chat.selectors import visible_shop_ids
from shopee_cs.admin_readonly import ReadOnlyModelAdmin


def _groups_of(user):
    if visible_shop_ids(user) is None:  # an admin
        return AgentGroup.objects.all()
    return AgentGroup.objects.filter(members=user)


class RobotForm(forms.ModelForm):
    webhook_url = forms.CharField(
        label=_("webhook URL"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"size": 80, "autocomplete": "off"}),
        help_text=_(
            "The robot's whole webhook URL, as the IM shows it. It is stored encrypted and never "
            "shown again: leave empty to keep the current one."
        ),
    )
    secret = forms.CharField(
        label=_("signing secret"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "DingTalk 加签 (SEC…) or Feishu 签名校验 secret, if the robot's security uses "
            "signing. Stored encrypted; leave empty to keep the current one."
        ),
    )
    clear_secret = forms.BooleanField(label=_("remove the signing secret"), required=False)

    class Meta:
        model = Robot
        fields = ["group", "name", "kind", "keyword", "is_active"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["group"].queryset = _groups_of(user)

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if not kind:
            return data
        url = (data.get("webhook_url") or "").strip()
        if not url and not self.instance.webhook_url_encrypted:
            self.add_error("webhook_url", _("A robot needs its webhook URL."))
        for field, check, value in (
            ("webhook_url", robot_url_check, url),
            ("secret", robot_secret_check, data.get("secret") or ""),
        ):
            if value:
                try:
                    check(kind, value)
                except ValidationError as exc:
                    self.add_error(field, exc)
        return data


@admin.register(Robot)
class RobotAdmin(admin.ModelAdmin):
    form = RobotForm
    list_display = [
        "name",
        "group",
        "kind",
        "webhook_host",
        "is_active",
        "last_success_at",
        "last_error_at",
    ]
    list_filter = ["kind", "is_active", "group"]
    search_fields = ["name", "webhook_host"]
    readonly_fields = ["webhook_host", "last_success_at", "last_error", "last_error_at"]
    actions = ["send_test_message"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class Scoped(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, user=request.user, **inner)

        return Scoped

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("group")
        if visible_shop_ids(request.user) is None:
            return qs
        return qs.filter(group__in=_groups_of(request.user))

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        secret = "" if data.get("clear_secret") else (data.get("secret") or None)
        robot_save(robot=obj, webhook_url=data.get("webhook_url") or None, secret=secret)

    @admin.action(description=_("Send a test message"), permissions=["view"])
    def send_test_message(self, request, queryset):
        for robot in queryset:
            error = robot_test_send(robot=robot, actor=request.user)
            if error is None:
                self.message_user(
                    request, _("%(robot)s: delivered.") % {"robot": robot}, messages.SUCCESS
                )
            else:
                self.message_user(
                    request,
                    _("%(robot)s: not delivered. %(error)s") % {"robot": robot, "error": error},
                    messages.ERROR,
                )


class DeliveryStatusFilter(admin.SimpleListFilter):
    title = _("delivery")
    parameter_name = "delivery"

    def lookups(self, request, model_admin):
        return AlertDelivery.Status.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(deliveries__status=self.value()).distinct()
        return queryset


class AlertDeliveryInline(admin.TabularInline):
    model = AlertDelivery
    fields = ["robot", "status", "attempts", "next_attempt_at", "delivered_at", "last_error"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(ReadOnlyModelAdmin):
    list_display = ["title", "kind", "group", "shop", "due_at", "raised_at", "delivery_state"]
    list_filter = ["kind", DeliveryStatusFilter, "group"]
    search_fields = ["title", "text"]
    date_hierarchy = "raised_at"
    inlines = [AlertDeliveryInline]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("group", "shop")
        if visible_shop_ids(request.user) is None:
            return qs
        return qs.filter(group__in=_groups_of(request.user))

    @admin.display(description=_("delivered"))
    def delivery_state(self, alert):
        counts = {status: 0 for status in AlertDelivery.Status.values}
        for status in alert.deliveries.values_list("status", flat=True):
            counts[status] += 1
        total = sum(counts.values())
        if counts[AlertDelivery.Status.FAILED]:
            return _("%(failed)d of %(total)d failed") % {
                "failed": counts[AlertDelivery.Status.FAILED],
                "total": total,
            }
        return f"{counts[AlertDelivery.Status.DELIVERED]}/{total}"


@admin.register(GroupAlertPolicy)
class GroupAlertPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "group",
        "lead",
        "warn_after_seconds",
        "reassign_on_breach",
        "pause_outside_business_hours",
        "digest_time",
        "time_zone",
    ]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("group", "lead")
        if visible_shop_ids(request.user) is None:
            return qs
        return qs.filter(group__in=_groups_of(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "group":
            kwargs["queryset"] = _groups_of(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ImContact)
class ImContactAdmin(admin.ModelAdmin):
    list_display = ["user", "wecom_user_id", "mobile", "dingtalk_user_id", "feishu_open_id"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "mobile"]
    autocomplete_fields = ["user"]

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("user")
        if visible_shop_ids(request.user) is None:
            return qs
        return qs.filter(user__agent_groups__in=_groups_of(request.user)).distinct()
