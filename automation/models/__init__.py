"""automation's models, one module per topic."""

from automation.models.routing import AgentProfile, GroupRouting
from automation.models.templates import ReplyTemplate, TemplateLanguage, TemplateVariant

__all__ = [
    "AgentProfile",
    "GroupRouting",
    "ReplyTemplate",
    "TemplateLanguage",
    "TemplateVariant",
]
