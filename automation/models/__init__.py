"""automation's models, one module per topic."""

from automation.models.rules import AutoReplyRule, AutoReplyRun, ShopAutomation, TrackingUpdate
from automation.models.templates import ReplyTemplate, TemplateLanguage, TemplateVariant

__all__ = [
    "AutoReplyRule",
    "AutoReplyRun",
    "ReplyTemplate",
    "ShopAutomation",
    "TemplateLanguage",
    "TemplateVariant",
    "TrackingUpdate",
]
