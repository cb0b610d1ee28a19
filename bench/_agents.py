"""Benchmark world of agents: shops, agent groups, and agents with OTP-verified sessions."""


def seed(shops_n: int, groups_n: int, agents_n: int, shop_base: int) -> tuple[dict, list[dict]]:
    """Shops, agent groups (shop j -> group j % groups), agents (agent a -> group a % groups),
    each with a confirmed TOTP device and an OTP-verified session made the way django-otp's
    login() leaves it. Returns ({platform shop id: (shop pk, group)}, agents)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from chat.models import AgentGroup
    from integrations.models import Shop
    from shopee_cs.models import User
    from shopee_cs.security.services.setup import allowlist_entry_add

    allowlist_entry_add(cidr="127.0.0.1/32", note="BM1 loopback")  # IP_ALLOWLIST_ENFORCED stays on
    shops = [
        Shop.objects.create(platform_shop_id=str(shop_base + j), site="MY", name=f"BM1 shop {j}")
        for j in range(shops_n)
    ]
    groups = [AgentGroup.objects.create(name=f"BM1 team {g}") for g in range(groups_n)]
    shop_map = {}
    for j, shop in enumerate(shops):
        groups[j % groups_n].shops.add(shop)
        shop_map[shop.platform_shop_id] = (shop.pk, j % groups_n)
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    agents = []
    for a in range(agents_n):
        user = User.objects.create_user(f"bm1-agent{a}", password=None)
        groups[a % groups_n].members.add(user)
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        store = store_class()
        store[SESSION_KEY] = user._meta.pk.value_to_string(user)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store[DEVICE_ID_SESSION_KEY] = device.persistent_id
        store.create()
        agents.append(
            {
                "index": a,
                "group": a % groups_n,
                "shop_pks": {pk for pk, g in shop_map.values() if g == a % groups_n},
                "cookie": f"{settings.SESSION_COOKIE_NAME}={store.session_key}",
            }
        )
    return shop_map, agents
