"""Reply templates with per-language variants (the console's picker and the auto-replies)."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from integrations.models import Shop, Site


class TemplateLanguage(models.TextChoices):
    """The languages a template variant can be written in (BCP 47 tags)."""

    ZH_HANS = "zh-Hans", _("Chinese (Simplified)")
    ZH_HANT = "zh-Hant", _("Chinese (Traditional)")
    EN = "en", _("English")
    TH = "th", _("Thai")
    VI = "vi", _("Vietnamese")
    MS = "ms", _("Malay")
    ID = "id", _("Indonesian")
    PT_BR = "pt-BR", _("Portuguese (Brazil)")
    ES = "es", _("Spanish")


class ReplyTemplate(models.Model):
    """A reply written once, in several languages, with {{variables}} filled in per conversation.
    Global (no shop), or for one shop."""

    title = models.CharField(_("title"), max_length=100)
    shop = models.ForeignKey(
        Shop,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("shop"),
        help_text=_("Leave empty to offer it in every shop."),
    )
    site = models.CharField(
        _("site"),
        max_length=2,
        choices=Site.choices,
        blank=True,
        help_text=_("Leave empty to offer it on every site."),
    )
    # The last step of the fallback chain: buyer's language, then the site's, then this one.
    default_language = models.CharField(
        _("default language"),
        max_length=8,
        choices=TemplateLanguage.choices,
        default=TemplateLanguage.EN,
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("reply template")
        verbose_name_plural = _("reply templates")

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.shop_id and self.site and self.shop.site != self.site:
            raise ValidationError(
                {"site": _("The shop is on another site; leave the site empty or match it.")}
            )

    @property
    def text_limit(self) -> int | None:
        """The marketplace's text limit a variant must fit once rendered."""
        from automation.services.template_variables import text_limit

        return text_limit(self.shop.platform if self.shop_id else None)


class TemplateVariant(models.Model):
    """One language's text of a template."""

    template = models.ForeignKey(
        ReplyTemplate, on_delete=models.CASCADE, related_name="variants", verbose_name=_("template")
    )
    language = models.CharField(_("language"), max_length=8, choices=TemplateLanguage.choices)
    text = models.TextField(_("text"))

    class Meta:
        ordering = ["template", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "language"], name="template_variant_one_per_language"
            )
        ]
        verbose_name = _("template variant")
        verbose_name_plural = _("template variants")

    def __str__(self) -> str:
        return f"{self.template} ({self.language})"

    def clean(self) -> None:
        from automation.services.template_variables import text_errors

        template = getattr(self, "template", None)  # unset while an admin form is invalid
        limit = template.text_limit if template is not None else None
        errors = text_errors(self.text or "", max_length=limit)
        if errors:
            label = TemplateLanguage(self.language).label if self.language else ""
            raise ValidationError({"text": [f"{label}: {e}" if label else e for e in errors]})
