"""Row-level scoping: agents see their groups' shops, admins all, inactive users none."""

import pytest

from chat.selectors import shop_get_for_user, shop_list_for_user, shop_scope_filter
from integrations.models import Shop
from tests.factories import AgentGroupFactory, ShopFactory, UserFactory, login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def teams():
    a_shop, b_shop, unowned = ShopFactory(), ShopFactory(), ShopFactory()
    agent_a = UserFactory(roles=["Agent"])
    agent_b = UserFactory(roles=["Agent"])
    supervisor = UserFactory(roles=["Supervisor"])
    AgentGroupFactory(shops=[a_shop], members=[agent_a, supervisor])
    AgentGroupFactory(shops=[b_shop], members=[agent_b, supervisor])
    return a_shop, b_shop, unowned, agent_a, agent_b, supervisor


def test_agents_see_only_their_groups_shops(teams):
    a_shop, b_shop, _unowned, agent_a, _agent_b, supervisor = teams
    assert list(shop_list_for_user(user=agent_a)) == [a_shop]
    assert set(shop_list_for_user(user=supervisor)) == {a_shop, b_shop}
    with pytest.raises(Shop.DoesNotExist):
        shop_get_for_user(user=agent_a, shop_id=b_shop.pk)
    assert list(shop_list_for_user(user=UserFactory(roles=["Agent"]))) == []  # in no group


def test_admins_see_everything_and_inactive_users_nothing(teams):
    a_shop, b_shop, unowned, agent_a, *_ = teams
    for admin in (UserFactory(is_superuser=True), UserFactory(roles=["Admin"])):
        assert set(shop_list_for_user(user=admin)) == {a_shop, b_shop, unowned}
    agent_a.is_active = False
    assert list(shop_list_for_user(user=agent_a)) == []


def test_scope_filter_restricts_any_shop_owned_queryset(teams):
    a_shop, _, _, agent_a, *_ = teams
    groups = shop_scope_filter(
        Shop.agent_groups.rel.related_model.objects.all(), user=agent_a, shop_field="shops"
    )
    assert {g.pk for g in groups} == set(a_shop.agent_groups.values_list("pk", flat=True))


def test_agent_gets_404_for_another_groups_shop_over_rest(client, teams):
    a_shop, b_shop, unowned, agent_a, *_ = teams
    login_verified(client, agent_a)
    assert client.get(f"/api/v1/shops/{a_shop.pk}/").status_code == 200
    assert client.get(f"/api/v1/shops/{b_shop.pk}/").status_code == 404
    assert client.get(f"/api/v1/shops/{unowned.pk}/").status_code == 404
    assert [s["id"] for s in client.get("/api/v1/shops/").json()] == [a_shop.pk]


def test_the_inbox_page_applies_the_same_scope_as_every_other_selector(teams):
    from django.utils import timezone

    from chat.selectors import conversation_page_for_user
    from tests.factories import ConversationFactory

    a_shop, b_shop, unowned, agent_a, _agent_b, supervisor = teams
    for shop in (a_shop, b_shop, unowned):
        ConversationFactory(shop=shop, last_message_at=timezone.now())

    def shops_listed(user) -> set[int]:
        rows, _ = conversation_page_for_user(user=user, cursor=None, size=10)
        return {row["shop_id"] for row in rows}

    assert shops_listed(agent_a) == {a_shop.pk}
    assert shops_listed(supervisor) == {a_shop.pk, b_shop.pk}
    everything = {a_shop.pk, b_shop.pk, unowned.pk}
    assert shops_listed(UserFactory(roles=["Admin"])) == everything
    assert shops_listed(UserFactory(is_superuser=True)) == everything
    assert shops_listed(UserFactory(roles=["Agent"])) == set()  # in no group
    agent_a.is_active = False
    assert shops_listed(agent_a) == set()
