"""Every saved reply becomes a reply template with one variant (saved replies are removed by
chat's next migration). A reply's language, when set and known, names the variant; otherwise
the variant is in the template's default language."""

from django.db import migrations

DEFAULT_LANGUAGE = "en"
# Frozen here: what a saved reply's free-text language meant when saved replies were removed.
LANGUAGES = {
    "zh": "zh-Hans", "zh-hans": "zh-Hans", "zh-cn": "zh-Hans", "zh-hant": "zh-Hant",
    "zh-tw": "zh-Hant", "en": "en", "th": "th", "vi": "vi", "ms": "ms", "id": "id",
    "pt": "pt-BR", "pt-br": "pt-BR", "es": "es",
}  # fmt: skip


def saved_replies_copy(apps, schema_editor):
    saved_reply = apps.get_model("chat", "SavedReply")
    template_model = apps.get_model("automation", "ReplyTemplate")
    variant_model = apps.get_model("automation", "TemplateVariant")
    for reply in saved_reply.objects.order_by("pk").iterator():
        language = LANGUAGES.get(reply.language.strip().lower().replace("_", "-"))
        template = template_model.objects.create(
            title=reply.title,
            shop_id=reply.shop_id,
            default_language=language or DEFAULT_LANGUAGE,
            is_active=reply.is_active,
        )
        variant_model.objects.create(
            template=template, language=language or DEFAULT_LANGUAGE, text=reply.text
        )


class Migration(migrations.Migration):
    dependencies = [
        ("automation", "0002_reply_template_site"),
        ("chat", "0018_buyer_order_ship_by"),
    ]

    operations = [migrations.RunPython(saved_replies_copy, migrations.RunPython.noop)]
