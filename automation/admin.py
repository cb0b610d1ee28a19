"""automation's admin pages."""

from automation import rules_admin  # noqa: F401  (registers the rules, runs and shop settings)
