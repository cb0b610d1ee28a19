"""automation's admin, one module per topic."""

from automation import admin_routing  # noqa: F401  (registers the routing admin)
