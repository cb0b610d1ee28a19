"""automation's models, one module per topic."""

from automation.models.routing import AgentProfile, GroupRouting
from automation.models.rules import AutoReplyRule, AutoReplyRun, ShopAutomation, TrackingUpdate
from automation.models.templates import ReplyTemplate, TemplateLanguage, TemplateVariant

__all__ = [
    "AgentProfile",
    "AutoReplyRule",
    "AutoReplyRun",
    "GroupRouting",
    "ReplyTemplate",
    "ShopAutomation",
    "TemplateLanguage",
    "TemplateVariant",
    "TrackingUpdate",
]
