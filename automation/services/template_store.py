"""Writing reply templates outside the admin (demo data, scripts): the same checks as the admin
form, all variants or nothing."""

from django.core.exceptions import ValidationError
from django.db import transaction

from automation.models import ReplyTemplate, TemplateVariant


def template_save(
    *,
    title: str,
    variants: dict[str, str],
    shop=None,
    site: str = "",
    default_language: str = "en",
    is_active: bool = True,
) -> ReplyTemplate:
    """Create or update the template of this title (and shop) with these variants (language →
    text); variants not given are kept. Raises ValidationError naming the language and the
    variable; then nothing is written."""
    if not variants:
        raise ValidationError("A template needs at least one variant.")
    with transaction.atomic():
        template = ReplyTemplate.objects.select_for_update().filter(
            title=title, shop=shop
        ).first() or ReplyTemplate(title=title, shop=shop)
        template.site, template.default_language, template.is_active = (
            site,
            default_language,
            is_active,
        )
        template.full_clean()
        template.save()
        existing = {v.language: v for v in template.variants.all()}
        for language, text in variants.items():
            variant = existing.get(language) or TemplateVariant(
                template=template, language=language
            )
            variant.text = text
            variant.full_clean()
            variant.save()
    return template
