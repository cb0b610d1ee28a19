"""The three staff roles are Django auth groups. Names are shared with chat.services.demo."""

ROLE_AGENT = "Agent"
ROLE_SUPERVISOR = "Supervisor"
ROLE_ADMIN = "Admin"
ROLES = (ROLE_AGENT, ROLE_SUPERVISOR, ROLE_ADMIN)

# Model permissions (app_label.codename) each role gets; Admin gets every permission except
# changing the audit trail (nobody has those). Row-level scoping is separate: chat.selectors.
# Agents work in the console only: the admin lists every shop and group, so they get nothing
# there (a supervisor oversees the whole team).
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    ROLE_AGENT: (),
    ROLE_SUPERVISOR: (
        "integrations.view_shop",
        "chat.view_agentgroup",
        "chat.change_agentgroup",
        "chat.view_savedreply",
        "chat.add_savedreply",
        "chat.change_savedreply",
        "chat.delete_savedreply",
        "shopee_cs.view_auditevent",
    ),
}


def user_is_admin(user) -> bool:
    """Admins see every shop: superusers, and members of the Admin role."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name=ROLE_ADMIN).exists()
