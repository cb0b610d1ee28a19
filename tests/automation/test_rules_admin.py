"""Supervisors manage rules in the admin (scoped, checked on save) and read the runs."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from automation.models import AutoReplyRule, AutoReplyRun
from shopee_cs.security.roles import ROLE_SUPERVISOR
from tests.automation.conftest import rule, template
from tests.factories import AgentGroupFactory, ShopFactory, UserFactory, login_verified

pytestmark = pytest.mark.django_db

RULES = "/admin/automation/autoreplyrule/"
RUNS = "/admin/automation/autoreplyrun/"


@pytest.fixture
def supervisor():
    shop = ShopFactory(site="MY", name="North shop")
    user = UserFactory(username="north-supervisor", roles=[ROLE_SUPERVISOR])
    AgentGroupFactory(name="north", shops=[shop], members=[user])
    user.shop = shop
    return user


def _browser(user) -> Client:
    browser = Client()
    login_verified(browser, user)
    return browser


def test_a_supervisor_sees_their_shops_rules_in_priority_order_and_the_global_ones(supervisor):
    rule("north late", shop=supervisor.shop, priority=20)
    rule("north early", shop=supervisor.shop, priority=10)
    rule("everywhere", priority=15)
    rule("south only", shop=ShopFactory(name="South shop"))
    page = _browser(supervisor).get(RULES).content.decode()
    assert page.index("north early") < page.index("everywhere") < page.index("north late")
    assert "south only" not in page


def test_a_supervisor_adds_a_rule_for_their_shop(supervisor):
    hello = template("Hello", en="Hello")
    response = _browser(supervisor).post(
        f"{RULES}add/",
        {
            "name": "greet",
            "is_active": "on",
            "priority": "5",
            "shop": supervisor.shop.pk,
            "site": "",
            "cooldown_seconds": "3600",
            "intents": "greeting_thanks",
            "keywords": "",
            "languages": "ms,EN",
            "business_hours": "any",
            "has_order": "any",
            "template": hello.pk,
            "add_tags": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = AutoReplyRule.objects.get(name="greet")
    assert saved.languages == ["ms", "en"] and saved.intents == ["greeting_thanks"]


def test_a_global_rule_is_read_only_for_a_supervisor_of_some_shops(supervisor):
    everywhere = rule("everywhere")
    response = _browser(supervisor).post(
        f"{RULES}{everywhere.pk}/change/", {"name": "mine now", "priority": "1"}
    )
    assert response.status_code == 403
    everywhere.refresh_from_db()
    assert everywhere.name == "everywhere"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"intents": ["wheres_my_stuff"]}, "intents"),
        ({"languages": ["thai"]}, "languages"),
        ({"answer_tracking": True}, "answer_tracking"),
    ],
)
def test_a_rule_with_an_unknown_value_is_refused_with_a_clear_error(fields, field):
    candidate = AutoReplyRule(name="bad", **fields)
    with pytest.raises(ValidationError) as refused:
        candidate.full_clean()
    assert field in refused.value.message_dict
    assert AutoReplyRule.objects.count() == 0


def test_runs_are_read_only_and_scoped(supervisor):
    from tests.factories import ConversationFactory, MessageFactory

    mine = rule("mine", shop=supervisor.shop)
    for shop, name in ((supervisor.shop, "north-buyer"), (ShopFactory(), "south-buyer")):
        conversation = ConversationFactory(shop=shop, buyer_name=name)
        AutoReplyRun.objects.create(
            message=MessageFactory(conversation=conversation),
            conversation=conversation,
            shop=shop,
            rule=mine,
            outcome=AutoReplyRun.Outcome.REFUSED,
            code="duplicate_text",
        )
    browser = _browser(supervisor)
    page = browser.get(f"{RUNS}?outcome=refused").content.decode()
    assert "north-buyer" in page and "south-buyer" not in page
    run = AutoReplyRun.objects.filter(shop=supervisor.shop).get()
    assert browser.post(f"{RUNS}{run.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AutoReplyRun.objects.count() == 2
