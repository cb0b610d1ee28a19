"""The ticket REST API: scoping (404 for other groups), create from a conversation, the workflow,
notes, filters, keyset pages with a constant query count, and API keys' scopes."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chat.models import BuyerOrder
from shopee_cs.security.services import api_key_create
from tests.factories import login_verified
from tests.tickets.conftest import conversation_of, open_ticket
from tickets.models import Status, Ticket
from tickets.selectors import ticket_get_for_user, ticket_page_for_user
from tickets.serializers import TicketRowSerializer, ticket_rows

pytestmark = pytest.mark.django_db

LIST = "/api/v1/tickets/"


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_an_agent_sees_only_their_groups_tickets(client, team, other_team):
    mine, theirs = open_ticket(team), open_ticket(other_team)
    login_verified(client, team.agent)
    assert _ids(client.get(LIST)) == [mine.pk]
    assert client.get(f"{LIST}{theirs.pk}/").status_code == 404
    assert client.get(f"{LIST}999999/").status_code == 404
    moved = client.post(f"{LIST}{theirs.pk}/transition/", {"status": "open"}, "application/json")
    assert moved.status_code == 404
    noted = client.post(f"{LIST}{theirs.pk}/notes/", {"body": "hi"}, "application/json")
    assert noted.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Status.NEW and not theirs.notes.exists()


def test_create_from_a_conversation_prefills_and_records(client, team):
    conversation = conversation_of(team, buyer_platform_id="77001", buyer_name="Mei")
    BuyerOrder.objects.create(shop=team.shop, order_ref="251206ABC", buyer_platform_id="77001")
    login_verified(client, team.agent)
    response = client.post(
        LIST,
        {
            "ticket_type": "lost_late_parcel",
            "subject": "Parcel not delivered",
            "conversation_ids": [conversation.pk],
            "priority": "high",
            "attachments": ["https://cf.shopee.com.my/file/proof.jpg"],
        },
        "application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["shop"]["id"] == team.shop.pk
    assert (body["order_ref"], body["buyer_name"]) == ("251206ABC", "Mei")
    assert body["conversation_ids"] == [conversation.pk]
    assert body["attachments"][0]["url"] == "https://cf.shopee.com.my/file/proof.jpg"
    assert body["allowed_statuses"] == ["open", "pending_buyer", "pending_internal", "resolved",
                                        "closed"]  # fmt: skip
    assert [e["kind"] for e in body["history"]] == ["created", "linked"]
    assert body["history"][0]["actor"]["id"] == team.agent.pk
    assert Ticket.objects.get().source == Ticket.Source.API


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"ticket_type": "other", "subject": "x"}, "non_field_errors"),
        ({"ticket_type": "nope", "subject": "x", "shop_id": "SHOP"}, "ticket_type"),
        ({"ticket_type": "other", "subject": "x", "shop_id": "SHOP", "order_ref": 2**60},
         "order_ref"),
        ({"ticket_type": "other", "subject": "x", "shop_id": "SHOP", "attachments": ["ftp://a/b"]},
         "attachments"),
        ({"ticket_type": "other", "subject": "x", "shop_id": "FOREIGN"}, "shop_id"),
        ({"ticket_type": "other", "subject": "x", "conversation_ids": ["FOREIGN_CONV"]},
         "conversation_ids"),
        ({"ticket_type": "other", "subject": "x", "shop_id": "SHOP", "assignee_id": "STRANGER"},
         "assignee"),
    ],
)  # fmt: skip
def test_bad_creates_are_refused_with_the_field_and_nothing_is_written(
    client, team, other_team, payload, field
):
    foreign_conversation = conversation_of(other_team)
    swap = {
        "SHOP": team.shop.pk,
        "FOREIGN": other_team.shop.pk,
        "FOREIGN_CONV": foreign_conversation.pk,
        "STRANGER": other_team.agent.pk,
    }
    body = {
        k: ([swap.get(x, x) for x in v] if isinstance(v, list) else swap.get(v, v))
        for k, v in payload.items()
    }
    login_verified(client, team.agent)
    response = client.post(LIST, body, "application/json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert not Ticket.objects.exists()


def test_a_forbidden_transition_is_refused_naming_the_allowed_ones(client, team):
    ticket = open_ticket(team)
    login_verified(client, team.agent)
    url = f"{LIST}{ticket.pk}/transition/"
    refused = client.post(url, {"status": "reopened"}, "application/json")
    assert refused.status_code == 409
    assert (
        "allowed: Open, Pending buyer, Pending internal, Resolved, Closed"
        in refused.json()["detail"]
    )
    assert client.post(url, {"status": "done"}, "application/json").status_code == 400
    moved = client.post(url, {"status": "pending_buyer"}, "application/json")
    assert moved.status_code == 200
    assert moved.json()["status"] == "pending_buyer"
    assert moved.json()["history"][-1]["old_value"] == "new"


def test_notes_are_added_and_blank_ones_refused(client, team):
    ticket = open_ticket(team)
    login_verified(client, team.agent)
    url = f"{LIST}{ticket.pk}/notes/"
    assert client.post(url, {"body": ""}, "application/json").status_code == 400
    added = client.post(url, {"body": "Courier claim filed"}, "application/json")
    assert added.status_code == 201
    assert [n["body"] for n in added.json()["notes"]] == ["Courier claim filed"]


def test_filters(client, team, sla):
    login_verified(client, team.agent)
    mine = open_ticket(team, assignee=team.agent, order_ref="ORD1")
    urgent = open_ticket(team, ticket_type="complaint", priority="urgent", return_ref="RET1")
    late = open_ticket(team)
    past = timezone.now() - timedelta(minutes=5)
    Ticket.objects.filter(pk=late.pk).update(due_at=past, due_soon_at=past)
    assert _ids(client.get(f"{LIST}?mine=true")) == [mine.pk]
    assert _ids(client.get(f"{LIST}?type=complaint")) == [urgent.pk]
    assert _ids(client.get(f"{LIST}?priority=urgent")) == [urgent.pk]
    assert _ids(client.get(f"{LIST}?order_ref=ORD1")) == [mine.pk]
    assert _ids(client.get(f"{LIST}?return_ref=RET1")) == [urgent.pk]
    assert _ids(client.get(f"{LIST}?sla=breached")) == [late.pk]
    assert _ids(client.get(f"{LIST}?sla=none")) == [urgent.pk]  # no policy for complaints
    assert set(_ids(client.get(f"{LIST}?sla=on_track"))) == {mine.pk}
    assert _ids(client.get(f"{LIST}?unassigned=true")) == [late.pk, urgent.pk]
    assert client.get(f"{LIST}?sla=late").status_code == 400
    assert client.get(f"{LIST}?cursor=garbage").status_code == 400


def test_keyset_pages_cover_everything_once_in_constant_queries(client, team):
    tickets = [open_ticket(team) for _ in range(7)]
    login_verified(client, team.agent)
    client.get(LIST)  # warm the allowlist cache, which is not per request
    seen, cursor, counts = [], "", []
    while True:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{LIST}?page_size=3&cursor={cursor}")
        counts.append(len(ctx.captured_queries))
        seen += _ids(response)
        cursor = response.json()["next_cursor"]
        if not cursor:
            break
    assert seen == [t.pk for t in reversed(tickets)]
    assert len(set(counts)) == 1 and counts[0] <= 4


def test_list_rows_match_the_row_serializer(team):
    ticket = open_ticket(team, assignee=team.agent)
    rows, _ = ticket_page_for_user(user=team.agent, cursor=None, size=10)
    detail = ticket_get_for_user(user=team.agent, ticket_id=ticket.pk)
    expected = dict(TicketRowSerializer(
        {**detail.__dict__, "shop": detail.shop, "ticket_type": detail.ticket_type,
         "assignee": detail.assignee, "sla_state": rows[0]["sla_state"]}
    ).data)  # fmt: skip
    assert ticket_rows(rows) == [expected]


def test_api_keys_need_the_tickets_scopes(client, team):
    ticket = open_ticket(team)
    _, reader = api_key_create(user=team.agent, name="reader", scopes=["tickets:read"])
    _, writer = api_key_create(
        user=team.agent, name="rules", scopes=["tickets:read", "tickets:write"]
    )
    read = {"HTTP_AUTHORIZATION": f"Api-Key {reader}"}
    write = {"HTTP_AUTHORIZATION": f"Api-Key {writer}"}
    assert client.get(LIST, **read).status_code == 200
    payload = {"ticket_type": "other", "subject": "From a rule", "shop_id": team.shop.pk}
    assert client.post(LIST, payload, "application/json", **read).status_code == 403
    assert client.post(LIST, payload, "application/json", **write).status_code == 201
    url = f"{LIST}{ticket.pk}/transition/"
    assert client.post(url, {"status": "open"}, "application/json", **read).status_code == 403
    assert client.post(url, {"status": "open"}, "application/json", **write).status_code == 200


def test_the_schema_documents_the_ticket_endpoints(client, team):
    login_verified(client, team.agent)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for operation in ("ticket_list", "ticket_create", "ticket_detail", "ticket_transition",
                      "ticket_note_add"):  # fmt: skip
        assert operation in schema


def test_moving_a_ticket_back_to_new_is_a_400_naming_the_status(client, team):
    from tests.factories import login_verified
    from tickets.models import TicketType
    from tickets.services import ticket_create

    login_verified(client, team.agent)
    ticket = ticket_create(
        actor=team.agent,
        ticket_type=TicketType.objects.get(code="other"),
        subject="Lost parcel",
        shop=team.shop,
    )
    answer = client.post(
        f"/api/v1/tickets/{ticket.pk}/transition/",
        {"status": "new"},
        content_type="application/json",
    )
    assert answer.status_code == 400 and "status" in answer.json()
    ticket.refresh_from_db()
    assert ticket.status == "new" and ticket.events.count() == 1  # nothing recorded but opening
