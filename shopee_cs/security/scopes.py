"""API-key scopes. A key can only do what its scopes name *and* what its owner may see.

New endpoints add their scopes here; views declare `required_scopes = [...]`. The reporting and
export scopes can be granted already; their endpoints are on the roadmap.
"""

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

API_SCOPES: dict[str, str] = {
    "shops:read": _("Read the shops visible to the key's owner"),
    "conversations:read": _("Read conversations, their messages and the buyer's orders"),
    "conversations:write": _("Assign, resolve, reopen and mark conversations read; refresh orders"),
    "messages:write": _("Send messages"),
    "tickets:read": _("Read tickets, their history and notes"),
    "tickets:write": _("Create tickets, move them through the workflow and add notes"),
    "alerts:read": _("Read the alerts of the owner's groups"),
    "alerts:write": _("Acknowledge alerts"),
    "reports:read": _("Read KPI reports"),
    "exports:create": _("Create data exports (on the roadmap)"),
}
SCOPE_CHOICES = [(name, format_lazy("{}: {}", name, label)) for name, label in API_SCOPES.items()]
