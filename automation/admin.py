"""automation's admin, one module per topic."""

from automation import (  # noqa: F401  (they register the admins)
    admin_routing,
    admin_rules,
    admin_templates,
)
