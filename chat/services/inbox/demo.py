"""Idempotent demo data: shops on several sites, agent groups, agents, a supervisor, an admin."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from chat.models import AgentGroup
from integrations.demo import DEMO_PLATFORM, DEMO_SHOPS
from integrations.models import Shop, Site
from shopee_cs.security.services import allowlist_seed_loopback, roles_ensure

DEMO_PASSWORD = "shopee-demo-2026"  # noqa: S105 - printed to the console for the demo only

DEMO_GROUPS = {
    "SEA team": [Site.MY, Site.TH, Site.VN, Site.ID],
    "Global team": [Site.PH, Site.SG, Site.BR, Site.TW],
}
# username, role, agent group (None: all groups for the supervisor, no group for the admin)
DEMO_USERS = [
    ("admin", "Admin", None),
    ("supervisor", "Supervisor", "*"),
    ("agent1", "Agent", "SEA team"),
    ("agent2", "Agent", "Global team"),
]


@dataclass(frozen=True)
class DemoSeedResult:
    created_shops: int
    created_users: int


@transaction.atomic
def demo_seed() -> DemoSeedResult:
    """Create the demo rows that are missing; rows that exist are left as they are."""
    created_shops = 0
    shops_by_site = {}
    for shop_id, site, name in DEMO_SHOPS:
        shop, created = Shop.objects.get_or_create(
            platform=DEMO_PLATFORM,
            platform_shop_id=shop_id,
            defaults={"site": site, "name": name},
        )
        shops_by_site[site] = shop
        created_shops += created
    groups = {}
    for name, sites in DEMO_GROUPS.items():
        group, _ = AgentGroup.objects.get_or_create(name=name)
        group.shops.add(*(shops_by_site[s] for s in sites))
        groups[name] = group
    roles = roles_ensure()
    # The demo runs on 127.0.0.1: allow loopback, so an enforced allowlist still lets it in.
    allowlist_seed_loopback()
    created_users = 0
    user_model = get_user_model()
    for username, role, group_name in DEMO_USERS:
        user, created = user_model.objects.get_or_create(
            username=username,
            defaults={"is_staff": True, "is_superuser": role == "Admin", "display_name": username},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            created_users += 1
        user.groups.add(roles[role])
        targets = (
            groups.values() if group_name == "*" else [groups[group_name]] if group_name else []
        )
        for group in targets:
            group.members.add(user)
    return DemoSeedResult(created_shops=created_shops, created_users=created_users)
