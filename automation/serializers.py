from rest_framework import serializers

from automation.models import TemplateLanguage


class TemplatePreviewQuerySerializer(serializers.Serializer):
    language = serializers.ChoiceField(
        choices=TemplateLanguage.choices,
        required=False,
        allow_blank=True,
        help_text="Preview in this language; empty: the buyer's detected language.",
    )


class TemplatePreviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    shop_id = serializers.IntegerField(allow_null=True)
    language = serializers.CharField(help_text="The variant's language the chain picked.")
    text = serializers.CharField(help_text="The variant rendered for this conversation.")
    missing = serializers.ListField(
        child=serializers.CharField(), help_text="Variables with no known value (shown as —)."
    )
    languages = serializers.ListField(
        child=serializers.CharField(), help_text="The languages the template has variants in."
    )


class TemplatePreviewListSerializer(serializers.Serializer):
    buyer_language = serializers.CharField(help_text="Detected on the buyer's latest message.")
    errors = serializers.ListField(
        child=serializers.CharField(),
        help_text="Marketplace calls that failed: the values shown are the cached ones.",
    )
    templates = TemplatePreviewSerializer(many=True)
