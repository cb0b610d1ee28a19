"""automation's admin, one module per topic."""

from automation import admin_routing, admin_templates  # noqa: F401  (they register the admins)
