from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from shopee_cs.admin_readonly import ReadOnlyModelAdmin
from shopee_cs.models import ApiKey, AuditEvent, IPAllowlistEntry, User
from shopee_cs.security.ip import parse_networks
from shopee_cs.security.scopes import SCOPE_CHOICES
from shopee_cs.security.services import api_key_create, api_key_revoke, user_access_revoke


@admin.register(User)
class ShopeeCsUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, (_("Profile"), {"fields": ("display_name",)}))

    def save_related(self, request, form, formsets, change):
        before = set(form.instance.groups.values_list("id", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        after = set(form.instance.groups.values_list("id", flat=True))
        if change and (before != after or "is_active" in form.changed_data):
            user_access_revoke(user_id=form.instance.pk, reason="roles_changed")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyModelAdmin):
    """Read-only: nobody adds, changes or deletes audit rows, superusers included."""

    list_display = ["created_at", "action", "actor_username", "ip", "target_type", "target_id"]
    list_filter = ["action"]
    search_fields = ["actor_username", "ip", "target_id", "request_id"]
    date_hierarchy = "created_at"


class IPAllowlistEntryForm(forms.ModelForm):
    class Meta:
        model = IPAllowlistEntry
        fields = ["cidr", "scope", "role", "user", "api_key", "note"]


@admin.register(IPAllowlistEntry)
class IPAllowlistEntryAdmin(admin.ModelAdmin):
    form = IPAllowlistEntryForm
    list_display = ["cidr", "scope", "role", "user", "api_key", "note", "created_at"]
    list_filter = ["scope"]
    search_fields = ["cidr", "note", "user__username"]


class ApiKeyCreateForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=SCOPE_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    cidrs = forms.CharField(
        label=_("Bound to IPs (CIDRs)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One CIDR per line. Empty: wherever the owner may connect from."),
    )

    class Meta:
        model = ApiKey
        fields = ["user", "name", "scopes", "expires_at"]

    def clean_cidrs(self):
        lines = [line.strip() for line in self.cleaned_data["cidrs"].splitlines() if line.strip()]
        try:
            parse_networks(lines)
        except ValueError as exc:
            raise forms.ValidationError(_("Not a valid IP address or CIDR.")) from exc
        return lines


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created here (the key is shown once) and revoked with the action; never edited."""

    list_display = ["name", "user", "prefix", "scopes", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    actions = ["revoke"]
    readonly_fields = ["user", "name", "prefix", "scopes", "expires_at", "revoked_at"]
    readonly_fields += ["last_used_at", "last_used_ip", "created_at"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ApiKeyCreateForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "name", "scopes", "expires_at", "cidrs"]
        return self.readonly_fields

    def has_change_permission(self, request, obj=None):
        return False  # view-only once created

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the row stays for the audit trail

    def save_model(self, request, obj, form, change):
        api_key, raw_key = api_key_create(
            user=form.cleaned_data["user"],
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            expires_at=form.cleaned_data.get("expires_at"),
            cidrs=form.cleaned_data.get("cidrs") or [],
            actor=request.user,
            request=request,
        )
        # The admin keeps using `obj` (log entry, redirect): make it the row the service wrote.
        obj.__dict__.update(api_key.__dict__)
        request._api_key_raw = raw_key

    def save_related(self, request, form, formsets, change):
        pass  # no related rows beyond what api_key_create wrote

    def response_add(self, request, obj, post_url_continue=None):
        # The key is rendered in this response only; it is not stored or put in a message.
        context = {**self.admin_site.each_context(request), "api_key": obj}
        context.update(raw_key=request._api_key_raw, opts=self.model._meta, title=_("API key"))
        return TemplateResponse(request, "admin/shopee_cs/apikey/created.html", context)

    @admin.action(description=_("Revoke selected API keys"))
    def revoke(self, request, queryset):
        for api_key in queryset:
            api_key_revoke(api_key=api_key, actor=request.user, request=request)
        self.message_user(request, _("Revoked."), messages.SUCCESS)
