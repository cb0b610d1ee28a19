"""automation's models, one module per topic."""

from automation.models.templates import ReplyTemplate, TemplateLanguage, TemplateVariant

__all__ = ["ReplyTemplate", "TemplateLanguage", "TemplateVariant"]
