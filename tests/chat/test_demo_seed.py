import pytest
from django.contrib.auth import authenticate
from django.test import RequestFactory

from chat.models import AgentGroup
from chat.services.inbox.demo import DEMO_PASSWORD, demo_seed
from integrations.models import Shop
from shopee_cs.models import User


@pytest.mark.django_db
def test_demo_seed_is_idempotent():
    first = demo_seed()
    counts = [m.objects.count() for m in (Shop, User, AgentGroup)]
    second = demo_seed()
    assert first.created_shops > 0 and first.created_users > 0
    assert (second.created_shops, second.created_users) == (0, 0)
    assert [m.objects.count() for m in (Shop, User, AgentGroup)] == counts


@pytest.mark.django_db
def test_demo_shops_span_several_sites_with_string_ids():
    demo_seed()
    sites = set(Shop.objects.values_list("site", flat=True))
    assert {"MY", "TH", "VN", "ID", "PH", "SG", "BR", "TW"} <= sites  # TW: the refusal to try
    assert all(int(s) > 2**53 for s in Shop.objects.values_list("platform_shop_id", flat=True))


@pytest.mark.django_db
def test_demo_agents_are_split_across_groups_and_can_authenticate():
    demo_seed()
    agent1 = User.objects.get(username="agent1")
    agent2 = User.objects.get(username="agent2")
    shops1 = set(Shop.objects.filter(agent_groups__members=agent1))
    shops2 = set(Shop.objects.filter(agent_groups__members=agent2))
    assert shops1 and shops2 and not (shops1 & shops2)
    # django-axes needs the request (it keys lockouts on the client IP).
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="supervisor", password=DEMO_PASSWORD) is not None


@pytest.mark.django_db
def test_demo_seed_creates_roles_and_lets_loopback_in_even_when_enforced(settings):
    from django.contrib.auth.models import Group

    from shopee_cs.security.allowlist import ip_allowed_for_user

    settings.IP_ALLOWLIST_ENFORCED = True
    demo_seed()
    assert set(Group.objects.values_list("name", flat=True)) >= {"Agent", "Supervisor", "Admin"}
    agent1 = User.objects.get(username="agent1")
    assert agent1.groups.filter(name="Agent").exists()
    assert ip_allowed_for_user("127.0.0.1", user=agent1)
    assert ip_allowed_for_user("::1", user=agent1)
    assert not ip_allowed_for_user("203.0.113.9", user=agent1)
