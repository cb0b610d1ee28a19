"""The ticket workbench in the Django admin, for supervisors and ticket workers.

Rows are scoped with chat's selector (a user sees the tickets of their groups' shops only, as in
the API), and so are the filters' choices and the people and groups offered in forms. Every
change goes through tickets.services (history, SLA, workflow): the change form, the inlines and
the bulk actions never save a ticket themselves.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.db.models import F
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from chat.selectors import shop_ids_for_user, visible_shop_ids
from integrations.business_hours import BusinessCalendar, BusinessHoliday, BusinessPeriod
from shopee_cs.admin_readonly import ReadOnlyModelAdmin
from tickets.models import (
    SlaPolicy,
    Status,
    Ticket,
    TicketAttachment,
    TicketEvent,
    TicketNote,
    TicketType,
)
from tickets.selectors import (
    groups_working_on,
    people_working_on,
    shops_among,
    ticket_history,
    ticket_transcripts,
    ticket_type_list,
)
from tickets.services import (
    TicketInvalid,
    TicketRefused,
    allowed_statuses,
    ticket_assign,
    ticket_attachments_add,
    ticket_create,
    ticket_merge,
    ticket_note_add,
    ticket_transition,
    ticket_update,
    tickets_assign,
    tickets_transition,
)
from tickets.services.tickets import EDITABLE
from tickets.services.workflow import transition_refusal
from tickets.sla import SlaState, sla_state_q, ticket_sla_state


def visible_shops(request) -> list[int] | None:
    """chat's row-level scope (`None`: every shop), resolved once per request: the list, each
    filter's choices, the forms and the actions all ask for it."""
    if not hasattr(request, "_tickets_visible_shops"):
        request._tickets_visible_shops = visible_shop_ids(request.user)
    return request._tickets_visible_shops


def scoped(request, queryset, shop_field: str = "shop"):
    visible = visible_shops(request)
    return queryset if visible is None else queryset.filter(**{f"{shop_field}__in": visible})


# -- filters ---------------------------------------------------------------------------------------


class QueueFilter(admin.SimpleListFilter):
    """The saved views of the workbench; "my queue" unless another is chosen."""

    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            ("mine", _("My queue")),
            ("unassigned", _("Unassigned")),
            ("all", _("All my groups' tickets")),
        ]

    def value(self):
        return super().value() or "mine"

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return queryset.filter(assignee=request.user)
        if self.value() == "unassigned":
            return queryset.filter(assignee__isnull=True)
        return queryset


class SlaFilter(admin.SimpleListFilter):
    title = _("SLA")
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return SlaState.choices

    def queryset(self, request, queryset):
        if self.value() in SlaState.values:
            return queryset.filter(sla_state_q(self.value(), timezone.now()))
        return queryset


class OpenFilter(admin.SimpleListFilter):
    title = _("active")
    parameter_name = "active"

    def lookups(self, request, model_admin):
        return [("yes", _("Active (not resolved or closed)")), ("no", _("Resolved or closed"))]

    def queryset(self, request, queryset):
        done = [Status.RESOLVED, Status.CLOSED]
        if self.value() == "yes":
            return queryset.exclude(status__in=done)
        if self.value() == "no":
            return queryset.filter(status__in=done)
        return queryset


# -- forms of the bulk actions ---------------------------------------------------------------------


def groups_for(request):
    return groups_working_on(visible_shops(request))


def people_for(request):
    return people_working_on(visible_shops(request))


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        label=_("Assign to"),
        empty_label=_("Nobody (unassign)"),
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices, label=_("Move to"))


class MergeForm(forms.Form):
    target = forms.ModelChoiceField(
        queryset=Ticket.objects.none(), label=_("Keep this ticket"), empty_label=None
    )


class TicketAdminForm(forms.ModelForm):
    """The ticket page's form. The rules the services would refuse (a group or assignee of
    another shop, a move the workflow forbids) show next to the field before anything is
    saved."""

    move_to = forms.ChoiceField(
        label=_("Move to"), required=False, choices=[("", "—"), *Status.choices]
    )

    class Meta:
        model = Ticket
        fields = [
            "shop",
            "ticket_type",
            "subject",
            "description",
            "priority",
            "group",
            "assignee",
            "order_ref",
            "return_ref",
        ]

    def clean(self):
        cleaned = super().clean()
        ticket = self.instance if self.instance.pk else None
        shop = cleaned.get("shop") or (ticket.shop if ticket else None)
        group, assignee = cleaned.get("group"), cleaned.get("assignee")
        if shop and group and not group.shops.filter(pk=shop.pk).exists():
            self.add_error("group", _("This group does not work on the ticket's shop."))
        if shop and assignee and shop.pk not in shop_ids_for_user(user=assignee):
            self.add_error("assignee", _("This person does not work on the ticket's shop."))
        target = cleaned.get("move_to")
        if ticket and target and target != ticket.status and target not in allowed_statuses(ticket):
            self.add_error("move_to", transition_refusal(ticket, target))
        return cleaned


# -- the ticket admin ------------------------------------------------------------------------------


class NoteInline(admin.TabularInline):
    """Notes are added here (through the service) and never edited."""

    model = TicketNote
    fields = ["body", "author", "created_at"]
    readonly_fields = ["author", "created_at"]
    extra = 1
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


class AttachmentInline(admin.TabularInline):
    model = TicketAttachment
    fields = ["url", "added_by", "created_at"]
    readonly_fields = ["added_by", "created_at"]
    extra = 1
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "subject",
        "shop",
        "ticket_type",
        "status",
        "priority",
        "sla_badge",
        "due_at",
        "assignee",
        "group",
        "order_ref",
        "updated_at",
    ]
    list_display_links = ["number", "subject"]
    list_filter = [
        QueueFilter,
        SlaFilter,
        OpenFilter,
        "status",
        "ticket_type",
        "priority",
        ("group", admin.RelatedOnlyFieldListFilter),
        ("assignee", admin.RelatedOnlyFieldListFilter),
        ("shop", admin.RelatedOnlyFieldListFilter),
        "shop__site",
    ]
    search_fields = ["=order_ref", "=return_ref", "=buyer_platform_id", "buyer_name", "subject"]
    list_select_related = ["shop", "ticket_type", "assignee", "group"]
    list_per_page = 100
    show_full_result_count = False
    ordering = [F("due_at").asc(nulls_last=True), "-created_at"]
    actions = ["assign_selected", "move_selected", "merge_selected"]
    inlines = [NoteInline, AttachmentInline]
    readonly_fields = [
        "shop",
        "status",
        "sla_badge",
        "due_at",
        "merged_into",
        "buyer_platform_id",
        "buyer_name",
        "created_by",
        "created_at",
        "resolved_at",
        "closed_at",
    ]
    change_form_template = "admin/tickets/ticket/change_form.html"
    form = TicketAdminForm

    class Media:
        css = {"all": ["tickets/workbench.css"]}

    def get_queryset(self, request):
        return scoped(request, super().get_queryset(request))

    def has_delete_permission(self, request, obj=None):
        return False  # close or merge instead: the history stays

    # -- the list

    @admin.display(description="#", ordering="pk")
    def number(self, ticket: Ticket) -> str:
        return f"#{ticket.pk}"

    @admin.display(description=_("SLA"), ordering="due_at")
    def sla_badge(self, ticket: Ticket) -> str:
        state = ticket_sla_state(ticket, timezone.now())
        return format_html('<span class="sla sla-{}">{}</span>', state.value, state.label)

    # -- the ticket page

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (None, {"fields": ["shop", "ticket_type", "subject", "description", "priority"]}),
                (_("Queue"), {"fields": ["group", "assignee"]}),
                (_("References"), {"fields": ["order_ref", "return_ref"]}),
            ]
        return [
            (
                None,
                {
                    "fields": [
                        "subject",
                        "ticket_type",
                        "description",
                        "status",
                        "move_to",
                        "priority",
                    ]
                },
            ),
            (_("SLA"), {"fields": ["sla_badge", "due_at"]}),
            (_("Queue"), {"fields": ["group", "assignee"]}),
            (
                _("Shop and buyer"),
                {"fields": ["shop", "buyer_name", "buyer_platform_id", "order_ref", "return_ref"]},
            ),
            (
                _("Record"),
                {
                    "fields": [
                        "created_by",
                        "created_at",
                        "resolved_at",
                        "closed_at",
                        "merged_into",
                    ],
                    "classes": ["collapse"],
                },
            ),
        ]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_inline_instances(self, request, obj=None):
        return [] if obj is None else super().get_inline_instances(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "shop":
            kwargs["queryset"] = shops_among(visible_shops(request))
        elif db_field.name == "group":
            kwargs["queryset"] = groups_for(request)
        elif db_field.name == "assignee":
            kwargs["queryset"] = people_for(request)
        elif db_field.name == "ticket_type":
            kwargs["queryset"] = ticket_type_list()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        ticket = self.get_object(request, object_id)
        extra = extra_context or {}
        if ticket is not None:
            extra["ticket_history"] = ticket_history(ticket=ticket)
            extra["ticket_transcripts"] = ticket_transcripts(ticket=ticket)
            extra["allowed_statuses"] = [Status(s).label for s in allowed_statuses(ticket)]
        return super().change_view(request, object_id, form_url, extra)

    def save_model(self, request, obj, form, change):
        data, actor = form.cleaned_data, request.user
        try:
            if not change:
                created = ticket_create(
                    actor=actor,
                    source=Ticket.Source.ADMIN,
                    **{
                        f: data.get(f)
                        for f in ("shop", "ticket_type", "subject", "group", "assignee")
                    },
                    **{f: data.get(f) or "" for f in ("description", "order_ref", "return_ref")},
                    priority=data.get("priority"),
                )
                obj.pk = created.pk
                obj.refresh_from_db()
                return
            changes = {f: data[f] for f in form.changed_data if f in EDITABLE}
            if changes:
                ticket_update(ticket=obj, actor=actor, changes=changes)
            if "assignee" in form.changed_data:
                ticket_assign(ticket=obj, assignee=data["assignee"], actor=actor)
            if data.get("move_to") and data["move_to"] != obj.status:
                ticket_transition(ticket=obj, target=data["move_to"], actor=actor)
        except (TicketInvalid, TicketRefused) as exc:
            # The form's own checks ran; what is left is the service's (shop rules): stop here.
            raise forms.ValidationError(str(exc)) from None
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        for formset in formsets:  # no form.save_m2m(): links change through the services only
            self.save_formset(request, form, formset, change)

    def save_formset(self, request, form, formset, change):
        ticket, actor = form.instance, request.user
        # What the admin's change message reads from a saved formset.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            if not inline_form.has_changed() or inline_form.instance.pk:
                continue
            data = inline_form.cleaned_data
            if formset.model is TicketNote and data.get("body"):
                ticket_note_add(ticket=ticket, actor=actor, body=data["body"])
            elif formset.model is TicketAttachment and data.get("url"):
                ticket_attachments_add(ticket=ticket, actor=actor, urls=[data["url"]])

    # -- bulk actions (each through the service; an intermediate page asks for the input)

    def _intermediate(self, request, queryset, form, title, action):
        return TemplateResponse(
            request,
            "admin/tickets/ticket/bulk_action.html",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "opts": self.model._meta,
                "form": form,
                "action": action,
                "ids": list(queryset.values_list("pk", flat=True)),
                "checkbox_name": ACTION_CHECKBOX_NAME,
                "count": queryset.count(),
            },
        )

    def _done(self, request, count: int):
        self.message_user(
            request,
            ngettext("%d ticket changed.", "%d tickets changed.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(description=_("Assign the selected tickets…"), permissions=["change"])
    def assign_selected(self, request, queryset):
        form = AssignForm(request.POST if "apply" in request.POST else None)
        form.fields["assignee"].queryset = people_for(request)
        if not form.is_bound or not form.is_valid():
            return self._intermediate(
                request, queryset, form, _("Assign tickets"), "assign_selected"
            )
        ids = list(queryset.values_list("pk", flat=True))
        try:
            tickets_assign(
                ticket_ids=ids, assignee=form.cleaned_data["assignee"], actor=request.user
            )
        except (TicketInvalid, TicketRefused) as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return None
        self._done(request, len(ids))
        return None

    @admin.action(
        description=_("Change the status of the selected tickets…"), permissions=["change"]
    )
    def move_selected(self, request, queryset):
        form = StatusForm(request.POST if "apply" in request.POST else None)
        if not form.is_bound or not form.is_valid():
            return self._intermediate(request, queryset, form, _("Change status"), "move_selected")
        ids = list(queryset.values_list("pk", flat=True))
        try:
            tickets_transition(
                ticket_ids=ids, target=form.cleaned_data["status"], actor=request.user
            )
        except (TicketInvalid, TicketRefused) as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return None
        self._done(request, len(ids))
        return None

    @admin.action(description=_("Merge the selected tickets into one…"), permissions=["change"])
    def merge_selected(self, request, queryset):
        if queryset.count() < 2:
            self.message_user(request, _("Select at least two tickets to merge."), messages.ERROR)
            return None
        form = MergeForm(request.POST if "apply" in request.POST else None)
        form.fields["target"].queryset = queryset.order_by("created_at", "pk")
        form.fields["target"].initial = form.fields["target"].queryset.first()
        if not form.is_bound or not form.is_valid():
            return self._intermediate(request, queryset, form, _("Merge tickets"), "merge_selected")
        target = form.cleaned_data["target"]
        merged = 0
        for duplicate in queryset.exclude(pk=target.pk).order_by("pk"):
            try:
                ticket_merge(duplicate=duplicate, target=target, actor=request.user)
            except (TicketInvalid, TicketRefused) as exc:
                self.message_user(request, str(exc), messages.ERROR)
                continue
            merged += 1
        if merged:
            self.message_user(
                request,
                ngettext(
                    "%(n)d ticket merged into #%(t)d.", "%(n)d tickets merged into #%(t)d.", merged
                )
                % {"n": merged, "t": target.pk},
                messages.SUCCESS,
            )
        return None


# -- history, types, SLA policies, business hours ------------------------------------------------


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyModelAdmin):
    """The history, read-only for everyone (superusers included): rows are only appended."""

    list_display = ["created_at", "ticket", "kind", "field", "old_value", "new_value", "actor"]
    list_filter = ["kind", ("actor", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["=ticket__id"]
    list_select_related = ["ticket", "actor"]
    show_full_result_count = False
    ordering = ["-created_at", "-id"]

    def get_queryset(self, request):
        return scoped(request, super().get_queryset(request), "ticket__shop")


@admin.register(TicketType)
class TicketTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_active", "position"]
    list_editable = ["is_active", "position"]
    search_fields = ["name", "code"]

    def has_delete_permission(self, request, obj=None):
        return False  # rules refer to the codes: deactivate instead

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj is not None else []  # stable once created


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["ticket_type", "priority", "resolution_minutes", "due_soon_minutes"]
    list_filter = ["ticket_type", "priority"]
    list_select_related = ["ticket_type"]


class PeriodInline(admin.TabularInline):
    model = BusinessPeriod
    extra = 1


class HolidayInline(admin.TabularInline):
    model = BusinessHoliday
    extra = 1


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(admin.ModelAdmin):
    """Business hours per shop (the SLA clocks count only these); no calendar: 24/7."""

    list_display = ["shop", "time_zone", "updated_at"]
    list_select_related = ["shop"]
    inlines = [PeriodInline, HolidayInline]

    def get_queryset(self, request):
        return scoped(request, super().get_queryset(request))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "shop":
            kwargs["queryset"] = shops_among(visible_shops(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
