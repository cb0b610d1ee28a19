"""API-key scopes. A key can only do what its scopes name *and* what its owner may see.

New endpoints add their scopes here; views declare `required_scopes = [...]`. The reporting and
export scopes can be granted already; their endpoints are on the roadmap.
"""

API_SCOPES: dict[str, str] = {
    "shops:read": "Read the shops visible to the key's owner",
    "conversations:read": "Read conversations, their messages and the buyer's orders",
    "conversations:write": "Assign, resolve, reopen and mark conversations read; refresh orders",
    "messages:write": "Send messages",
    "reports:read": "Read KPI reports (reporting API on the roadmap)",
    "exports:create": "Create data exports (on the roadmap)",
}
SCOPE_CHOICES = [(name, f"{name}: {label}") for name, label in API_SCOPES.items()]
