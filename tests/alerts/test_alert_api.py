"""The alerts REST API: scoping (another group's alert is a 404, a group's own alerts are its
members'), filters, keyset pages, the delivery summary and acknowledging once."""

from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from alerts.models import Alert, AlertDelivery
from alerts.services.raising import Candidate, alerts_raise
from chat.models import LiveEvent
from shopee_cs.security.roles import ROLE_ADMIN
from shopee_cs.security.services import api_key_create
from tests.factories import AgentGroupFactory, ShopFactory, UserFactory, login_verified

pytestmark = pytest.mark.django_db

LIST = "/api/v1/alerts/"


def raise_one(group, *, key, shop=None, kind="frt_warning", mentions=(), **fields) -> Alert:
    (alert,) = alerts_raise(
        [
            Candidate(
                kind=kind,
                dedup_key=key,
                group_id=group.pk,
                due_at=timezone.now(),
                title=f"Alert {key}",
                text=f"Text of {key}",
                shop_id=shop.pk if shop else None,
                mention_user_ids=tuple(mentions),
                **fields,
            )
        ]
    )
    return alert


@pytest.fixture
def other_group(db):
    shop = ShopFactory(site="TH", name="TH Shop")
    return AgentGroupFactory(name="TH team", shops=[shop], members=[UserFactory()])


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_an_agent_sees_their_groups_alerts_newest_first(client, team, other_group):
    first = raise_one(team.group, key="a", shop=team.shop, mentions=[team.agent.pk])
    digest = raise_one(team.group, key="digest", kind="digest")  # the group's own, no shop
    raise_one(other_group, key="theirs", shop=other_group.shops.get())
    raise_one(other_group, key="their-digest", kind="digest")
    login_verified(client, team.agent)
    response = client.get(LIST)
    assert _ids(response) == [digest.pk, first.pk]
    body = response.json()
    assert body["unacknowledged_count"] == 2 and body["next_cursor"] is None
    row = body["results"][1]
    assert row["shop_id"] == team.shop.pk and row["group_id"] == team.group.pk
    assert row["mentions_me"] is True and row["mention_user_ids"] == [team.agent.pk]
    assert row["deliveries"] == {"delivered": 0, "pending": 2, "failed": 0}  # two robots
    assert row["acknowledged_at"] is None and row["title"] == "Alert a"


def test_an_admin_sees_every_alert(client, team, other_group):
    raise_one(team.group, key="a", shop=team.shop)
    raise_one(other_group, key="b", kind="digest")
    login_verified(client, UserFactory(roles=[ROLE_ADMIN]))
    assert len(_ids(client.get(LIST))) == 2


def test_filters_kind_unacknowledged_and_mine(client, team):
    mine = raise_one(team.group, key="m", shop=team.shop, mentions=[team.agent.pk])
    lead = raise_one(
        team.group, key="l", shop=team.shop, kind="frt_breach", mentions=[team.lead.pk]
    )
    Alert.objects.filter(pk=lead.pk).update(acknowledged_at=timezone.now())
    login_verified(client, team.agent)
    assert _ids(client.get(LIST, {"mine": "true"})) == [mine.pk]
    assert _ids(client.get(LIST, {"kind": "frt_breach"})) == [lead.pk]
    assert _ids(client.get(LIST, {"unacknowledged": "true"})) == [mine.pk]
    assert _ids(client.get(LIST, {"kind": ""})) == [lead.pk, mine.pk]


def test_keyset_pages_walk_every_alert_once(client, team):
    alerts = [raise_one(team.group, key=f"k{n}", shop=team.shop) for n in range(5)]
    Alert.objects.filter(pk__in=[a.pk for a in alerts]).update(raised_at=timezone.now())  # ties
    login_verified(client, team.agent)
    seen, cursor = [], ""
    while True:
        body = client.get(LIST, {"page_size": 2, "cursor": cursor}).json()
        seen += [row["id"] for row in body["results"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == sorted((a.pk for a in alerts), reverse=True)


def test_the_delivery_summary_counts_each_status(client, team):
    alert = raise_one(team.group, key="d", shop=team.shop)
    AlertDelivery.objects.filter(alert=alert, robot=team.wecom).update(status="delivered")
    AlertDelivery.objects.filter(alert=alert, robot=team.dingtalk).update(status="failed")
    login_verified(client, team.agent)
    (row,) = client.get(LIST).json()["results"]
    assert row["deliveries"] == {"delivered": 1, "pending": 0, "failed": 1}


@pytest.mark.parametrize(
    "query",
    [
        {"kind": "nope"},
        {"page_size": "0"},
        {"page_size": ""},
        {"cursor": "garbage"},
        {"mine": "perhaps"},
    ],
)
def test_bad_queries_are_a_400_naming_the_parameter(client, team, query):
    login_verified(client, team.agent)
    response = client.get(LIST, query)
    assert response.status_code == 400
    assert set(query) <= set(response.json())


def test_acknowledging_sets_the_time_once_and_tells_the_consoles(
    client, team, django_capture_on_commit_callbacks
):
    alert = raise_one(team.group, key="ack", shop=team.shop)
    login_verified(client, team.agent)
    url = f"{LIST}{alert.pk}/acknowledge/"
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url)
    assert first.status_code == 200, first.content
    acknowledged_at = first.json()["acknowledged_at"]
    assert acknowledged_at is not None
    again = client.post(url)
    assert again.status_code == 200 and again.json()["acknowledged_at"] == acknowledged_at
    events = LiveEvent.objects.filter(type="alerts.alert_acknowledged")
    assert [e.payload["alert_id"] for e in events] == [alert.pk]  # once, not twice
    assert client.get(LIST).json()["unacknowledged_count"] == 0


def test_another_groups_alert_cannot_be_acknowledged(client, team, other_group):
    theirs = raise_one(other_group, key="t", shop=other_group.shops.get())
    their_digest = raise_one(other_group, key="td", kind="digest")
    login_verified(client, team.agent)
    for alert in (theirs, their_digest):
        assert client.post(f"{LIST}{alert.pk}/acknowledge/").status_code == 404
    assert client.post(f"{LIST}999999/acknowledge/").status_code == 404
    assert not Alert.objects.filter(acknowledged_at__isnull=False).exists()


def test_a_user_outside_every_group_sees_nothing(client, team):
    raise_one(team.group, key="x", shop=team.shop)
    raise_one(team.group, key="y", kind="digest")
    login_verified(client, UserFactory())
    assert _ids(client.get(LIST)) == []


def test_anonymous_callers_are_refused(client, team):
    alert = raise_one(team.group, key="z", shop=team.shop)
    assert client.get(LIST).status_code in (401, 403)
    assert client.post(f"{LIST}{alert.pk}/acknowledge/").status_code in (401, 403)
    assert Alert.objects.get().acknowledged_at is None


def test_api_keys_need_the_alerts_scopes(client, team):
    alert = raise_one(team.group, key="s", shop=team.shop)
    _, reader = api_key_create(user=team.agent, name="reader", scopes=["alerts:read"])
    _, writer = api_key_create(user=team.agent, name="acker", scopes=["alerts:write"])
    _, tickets = api_key_create(user=team.agent, name="tickets", scopes=["tickets:read"])
    read = {"HTTP_AUTHORIZATION": f"Api-Key {reader}"}
    write = {"HTTP_AUTHORIZATION": f"Api-Key {writer}"}
    assert client.get(LIST, **read).status_code == 200
    assert client.get(LIST, HTTP_AUTHORIZATION=f"Api-Key {tickets}").status_code == 403
    url = f"{LIST}{alert.pk}/acknowledge/"
    assert client.post(url, **read).status_code == 403
    assert client.post(url, **write).status_code == 200


def test_due_at_is_when_the_threshold_was_reached(client, team):
    due = timezone.now() - timedelta(seconds=30)
    alerts_raise(
        [Candidate("frt_warning", "due", team.group.pk, due, "t", "x", shop_id=team.shop.pk)]
    )
    login_verified(client, team.agent)
    (row,) = client.get(LIST).json()["results"]
    assert row["due_at"].startswith(due.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"))
