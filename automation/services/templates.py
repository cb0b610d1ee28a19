"""Rendering reply templates for one conversation.

INTERFACE (stable): `template_render`."""

from typing import NamedTuple

from automation.models import ReplyTemplate


class Rendered(NamedTuple):
    text: str
    language: str  # the variant's language (TemplateLanguage value)


def template_render(
    *, template: ReplyTemplate, conversation, buyer_language: str = "", context: dict | None = None
) -> Rendered:
    """The template's text for this conversation: the variant in the buyer's language (ISO
    639-1, as detected), else the site's language, else the template's default; variables
    filled from `context` (an order's and its tracking's values). Placeholder implementation."""
    variants = {v.language: v.text for v in template.variants.all()}
    for code in (buyer_language, template.default_language):
        for language, text in variants.items():
            if code and language.split("-")[0] == code.split("-")[0]:
                return Rendered(text, language)
    language, text = next(iter(variants.items()))
    return Rendered(text, language)


def template_context_fetch(*, conversation) -> dict:
    """The variables' values for this conversation: buyer and shop names, and the buyer's latest
    order with its tracking, fetched from the marketplace OUTSIDE any transaction (call it
    before opening one). Placeholder: names only."""
    return {"buyer_name": conversation.buyer_name, "shop_name": conversation.shop.name}
