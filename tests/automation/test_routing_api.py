"""Routing's REST API: the team panel (scoped to my groups), my status switch and heartbeat,
manual transfers to an agent (over capacity allowed and flagged) or to a group (routed to an
available agent of it), and the 400s and 404s around them."""

import pytest
from django.utils import timezone

from automation.models import AgentProfile
from chat.models import Conversation, ConversationFact
from chat.services.inbox.presence import agent_presence_change
from tests.factories import (
    AgentGroupFactory,
    ConversationFactory,
    MessageFactory,
    ShopFactory,
    UserFactory,
    login_verified,
)

pytestmark = pytest.mark.django_db


def _online(user, *, capacity=8, languages=()):
    AgentProfile.objects.update_or_create(
        user=user,
        defaults={"capacity": capacity, "languages": list(languages),
                  "last_activity_at": timezone.now()},
    )  # fmt: skip
    agent_presence_change(user=user, shop_ids=set(), delta=1)
    return user


@pytest.fixture
def team():
    my, foreign = ShopFactory(site="MY"), ShopFactory(site="TH")
    me = UserFactory(roles=["Agent"], first_name="Mei", last_name="")
    mate = UserFactory(roles=["Agent"], first_name="Ali", last_name="")
    stranger = UserFactory(roles=["Agent"], first_name="Zed", last_name="")
    mine = AgentGroupFactory(shops=[my], members=[me, mate])
    theirs = AgentGroupFactory(shops=[foreign], members=[stranger])
    conversation = ConversationFactory(shop=my, group=mine, assignee=me)
    MessageFactory(conversation=conversation)
    return {"my": my, "foreign": foreign, "me": me, "mate": mate, "stranger": stranger,
            "mine": mine, "theirs": theirs, "conversation": conversation}  # fmt: skip


def transfer(client, conversation, body):
    return client.post(
        f"/api/v1/conversations/{conversation.pk}/transfer/", body, content_type="application/json"
    )


def test_the_team_lists_my_groups_agents_with_status_load_and_skills(client, team):
    _online(team["mate"], capacity=3, languages=["ms"])
    login_verified(client, team["me"])
    body = client.get("/api/v1/team/").json()
    assert [g["id"] for g in body["groups"]] == [team["mine"].pk]
    agents = {a["name"]: a for a in body["agents"]}
    assert set(agents) == {"Ali", "Mei"}  # not Zed, of another group
    assert agents["Ali"] == {
        "user_id": team["mate"].pk, "name": "Ali", "status": "online", "load": 0, "capacity": 3,
        "languages": ["ms"], "sites": [], "groups": [team["mine"].pk],
    }  # fmt: skip
    assert agents["Mei"]["status"] == "offline" and agents["Mei"]["load"] == 1
    assert body["me"]["user_id"] == team["me"].pk


def test_an_admin_sees_every_group(client, team):
    login_verified(client, UserFactory(roles=["Admin"]))
    names = {a["name"] for a in client.get("/api/v1/team/").json()["agents"]}
    assert {"Ali", "Mei", "Zed"} <= names


def test_my_status_switch_away_and_online_queues_a_drain(
    client, team, django_capture_on_commit_callbacks
):
    _online(team["me"])
    login_verified(client, team["me"])
    response = client.put("/api/v1/me/status/", {"status": "away"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "away"
    waiting = ConversationFactory(
        shop=team["my"], group=team["mine"], awaiting_reply_since=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.put(
            "/api/v1/me/status/", {"status": "online"}, content_type="application/json"
        )
    assert response.json()["status"] == "online"
    waiting.refresh_from_db()
    assert waiting.assignee_id == team["me"].pk  # the queued drain assigned it


@pytest.mark.parametrize(
    "body", [{"status": "offline"}, {"status": 1}, {}, {"status": "away", "extra": 1}]
)
def test_a_bad_status_is_refused(client, team, body):
    login_verified(client, team["me"])
    response = client.put("/api/v1/me/status/", body, content_type="application/json")
    assert response.status_code == 400
    assert not AgentProfile.objects.filter(user=team["me"], chosen_status="away").exists()


def test_the_heartbeat_records_activity(client, team):
    login_verified(client, team["me"])
    assert client.post("/api/v1/me/activity/").status_code == 204
    assert AgentProfile.objects.get(user=team["me"]).last_activity_at is not None


def test_a_transfer_to_a_teammate_over_capacity_is_allowed_and_flagged(client, team):
    _online(team["mate"], capacity=1)
    ConversationFactory(shop=team["my"], assignee=team["mate"])
    login_verified(client, team["me"])
    response = transfer(client, team["conversation"], {"agent": team["mate"].pk})
    assert response.status_code == 200
    assert response.json()["over_capacity"] is True
    assert response.json()["conversation"]["assignee_id"] == team["mate"].pk
    fact = ConversationFact.objects.filter(conversation=team["conversation"]).latest("id")
    assert (fact.kind, fact.actor_id, fact.agent_id) == (
        "transferred",
        team["me"].pk,
        team["mate"].pk,
    )


def test_a_transfer_under_capacity_is_not_flagged(client, team):
    _online(team["mate"], capacity=5)
    login_verified(client, team["me"])
    assert (
        transfer(client, team["conversation"], {"agent": team["mate"].pk}).json()["over_capacity"]
        is False
    )


def test_a_group_transfer_routes_to_an_available_agent_of_the_new_group(client, team):
    second = AgentGroupFactory(shops=[team["my"]], members=[_online(UserFactory(first_name="Bo"))])
    login_verified(client, team["me"])
    response = transfer(client, team["conversation"], {"group": second.pk})
    assert response.status_code == 200
    conversation = Conversation.objects.get(pk=team["conversation"].pk)
    assert conversation.group_id == second.pk
    assert conversation.assignee_id == second.members.get().pk
    assert response.json()["conversation"]["assignee_id"] == conversation.assignee_id


def test_a_group_transfer_with_nobody_available_waits_in_the_new_queue(client, team):
    second = AgentGroupFactory(shops=[team["my"]], members=[UserFactory()])  # offline
    login_verified(client, team["me"])
    assert transfer(client, team["conversation"], {"group": second.pk}).status_code == 200
    conversation = Conversation.objects.get(pk=team["conversation"].pk)
    assert (conversation.group_id, conversation.assignee_id) == (second.pk, None)


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "agent"),
        ({"agent": 1, "group": 1}, "group"),
        ({"group": None}, "group"),
        ({"agent": "1"}, "agent"),
        ({"agent": 0}, "agent"),
        ({"to": 1}, "to"),
    ],
)
def test_bad_transfer_input_is_refused(client, team, body, field):
    login_verified(client, team["me"])
    response = transfer(client, team["conversation"], body)
    assert response.status_code == 400 and field in response.json()
    assert Conversation.objects.get(pk=team["conversation"].pk).assignee_id == team["me"].pk


def test_an_agent_or_group_outside_the_shop_is_refused(client, team):
    login_verified(client, team["me"])
    response = transfer(client, team["conversation"], {"agent": team["stranger"].pk})
    assert response.status_code == 400 and "agent" in response.json()
    response = transfer(client, team["conversation"], {"group": team["theirs"].pk})
    assert response.status_code == 400 and "group" in response.json()
    conversation = Conversation.objects.get(pk=team["conversation"].pk)
    assert (conversation.group_id, conversation.assignee_id) == (team["mine"].pk, team["me"].pk)


def test_another_groups_conversation_is_not_found(client, team):
    login_verified(client, team["me"])
    foreign = ConversationFactory(shop=team["foreign"])
    assert transfer(client, foreign, {"agent": team["me"].pk}).status_code == 404
