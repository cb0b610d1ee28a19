"""Reply templates for supervisors: inline variants, checked on save (unknown variables,
malformed braces, too long once rendered with the longest values), scoped to the user's shops
plus the global templates."""

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from automation.models import ReplyTemplate, TemplateLanguage, TemplateVariant
from automation.services.template_variables import VARIABLES
from chat.selectors import visible_shop_ids
from integrations.models import Shop


def _visible(request) -> list[int] | None:
    if not hasattr(request, "_automation_visible_shops"):
        request._automation_visible_shops = visible_shop_ids(request.user)
    return request._automation_visible_shops


class VariantFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        kept = [
            f
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("text")
        ]
        if not kept and not any(f.errors for f in self.forms):
            raise forms.ValidationError(_("A template needs at least one language variant."))


class VariantInline(admin.StackedInline):
    model = TemplateVariant
    formset = VariantFormSet
    extra = 1
    fields = ["language", "text"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["text"].help_text = _("Variables: %(names)s") % {
            "names": ", ".join(f"{{{{{name}}}}}" for name in VARIABLES)
        }
        return formset


class LanguagePresentFilter(admin.SimpleListFilter):
    title = _("language present")
    parameter_name = "language"

    def lookups(self, request, model_admin):
        return TemplateLanguage.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(variants__language=self.value()).distinct()
        return queryset


class ShopFilter(admin.SimpleListFilter):
    title = _("shop")
    parameter_name = "shop"

    def lookups(self, request, model_admin):
        shops = Shop.objects.all()
        visible = _visible(request)
        if visible is not None:
            shops = shops.filter(pk__in=visible)
        return [("global", _("Global (every shop)"))] + [(str(s.pk), str(s)) for s in shops]

    def queryset(self, request, queryset):
        if self.value() == "global":
            return queryset.filter(shop__isnull=True)
        if self.value():
            return queryset.filter(shop_id=self.value())
        return queryset


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ["title", "shop", "site", "default_language", "languages", "is_active"]
    list_filter = [ShopFilter, "is_active", LanguagePresentFilter, "site"]
    search_fields = ["title", "variants__text"]
    inlines = [VariantInline]

    def get_queryset(self, request):
        qs = super().get_queryset(request).prefetch_related("variants")
        visible = _visible(request)
        if visible is None:
            return qs
        return qs.filter(Q(shop__isnull=True) | Q(shop__in=visible))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "shop":
            visible = _visible(request)
            kwargs["queryset"] = (
                Shop.objects.all() if visible is None else Shop.objects.filter(pk__in=visible)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("languages"))
    def languages(self, template: ReplyTemplate) -> str:
        return ", ".join(sorted(v.language for v in template.variants.all()))
