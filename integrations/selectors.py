"""Reads for the integrations pages."""

from django.urls import reverse

from integrations.adapters import adapter_class, platforms


def connect_choices() -> list[dict]:
    """The registered marketplaces, each with its start link and what keeps it from connecting
    ("" when nothing does)."""
    return [
        {
            "platform": platform,
            "name": adapter_class(platform).display_name or platform,
            "url": reverse("integrations:connect-start", args=[platform]),
            "problem": adapter_class(platform).connect_configured(),
        }
        for platform in platforms()
    ]
