"""Idempotent setup: roles with their permissions, and allowlist entries."""

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from shopee_cs.models import IPAllowlistEntry
from shopee_cs.security.ip import parse_networks
from shopee_cs.security.roles import ROLE_ADMIN, ROLES, role_permissions

LOOPBACK = ("127.0.0.1/32", "::1/128")


def _permissions(names: tuple[str, ...]) -> list[Permission]:
    found = []
    for name in names:
        app_label, codename = name.split(".", 1)
        matched = list(
            Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        )
        if not matched:  # a typo would silently leave a role without its access
            raise ValueError(f"No permission {name}: check the app's role_permissions.")
        found += matched
    return found


@transaction.atomic
def roles_ensure() -> dict[str, Group]:
    """Create the Agent/Supervisor/Admin groups and (re)set their permissions."""
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ROLES}
    for name, perms in role_permissions().items():
        groups[name].permissions.set(_permissions(perms))
    admin_perms = Permission.objects.exclude(
        content_type__app_label="shopee_cs",
        codename__in=["add_auditevent", "change_auditevent", "delete_auditevent"],
    )
    groups[ROLE_ADMIN].permissions.set(admin_perms)
    return groups


def allowlist_entry_add(
    *,
    cidr: str,
    scope: str = IPAllowlistEntry.Scope.GLOBAL,
    role: Any = None,
    user: Any = None,
    api_key: Any = None,
    note: str = "",
) -> IPAllowlistEntry:
    (network,) = parse_networks([cidr])
    entry, _ = IPAllowlistEntry.objects.get_or_create(
        cidr=str(network), scope=scope, role=role, user=user, api_key=api_key,
        defaults={"note": note},
    )  # fmt: skip
    return entry


def allowlist_seed_loopback() -> int:
    """Allow 127.0.0.1 and ::1 globally (the demo runs there). Returns how many were added."""
    before = IPAllowlistEntry.objects.count()
    for cidr in LOOPBACK:
        allowlist_entry_add(cidr=cidr, note="Loopback (demo seed)")
    return IPAllowlistEntry.objects.count() - before
