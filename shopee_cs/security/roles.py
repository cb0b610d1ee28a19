"""The three staff roles are Django auth groups. Names are shared with chat.services.inbox.demo.

Each app declares the model permissions its roles get, on its AppConfig:
`role_permissions = {ROLE_SUPERVISOR: ("view_shop", ...)}` (codenames of the app's own models), so
this module never names another app's models. Admin gets every permission except changing the
audit trail (nobody has those). Row-level scoping is separate: chat.selectors.
Agents work in the console only: the admin lists every shop and group, so they get nothing there
(a supervisor oversees the whole team).
"""

from django.apps import apps

ROLE_AGENT = "Agent"
ROLE_SUPERVISOR = "Supervisor"
ROLE_ADMIN = "Admin"
ROLES = (ROLE_AGENT, ROLE_SUPERVISOR, ROLE_ADMIN)


def role_permissions() -> dict[str, tuple[str, ...]]:
    """Role -> permissions ("app_label.codename"), gathered from every installed app."""
    gathered: dict[str, list[str]] = {role: [] for role in ROLES if role != ROLE_ADMIN}
    for config in apps.get_app_configs():
        for role, codenames in getattr(config, "role_permissions", {}).items():
            if role not in gathered:
                raise ValueError(f"{config.label}.role_permissions names an unknown role {role!r}")
            gathered[role] += [f"{config.label}.{codename}" for codename in codenames]
    return {role: tuple(perms) for role, perms in gathered.items()}


def user_is_admin(user) -> bool:
    """Admins see every shop: superusers, and members of the Admin role."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name=ROLE_ADMIN).exists()
