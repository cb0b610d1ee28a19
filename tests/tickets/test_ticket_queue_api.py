"""The console's ticket reads: the agent's queue (due soonest first, by cursor) and the
open-ticket counts of the inbox's visible conversations."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import UserFactory, login_verified
from tests.tickets.conftest import conversation_of, open_ticket
from tickets.models import Status, Ticket
from tickets.services import ticket_transition

pytestmark = pytest.mark.django_db

LIST = "/api/v1/tickets/"
COUNTS = "/api/v1/tickets/by-conversation/"


def _due(ticket: Ticket, minutes: int | None) -> None:
    due = None if minutes is None else timezone.now() + timedelta(minutes=minutes)
    Ticket.objects.filter(pk=ticket.pk).update(due_at=due)


def test_the_queue_holds_own_and_the_groups_unassigned_active_tickets_due_soonest_first(
    client, team, other_team
):
    colleague = UserFactory()
    team.group.members.add(colleague)
    late = open_ticket(team, assignee=team.agent, group=team.group)
    soon = open_ticket(team, group=team.group)
    undated = open_ticket(team, group=team.group)
    open_ticket(team, assignee=colleague, group=team.group)  # a colleague's: not in my queue
    done = open_ticket(team, assignee=team.agent, group=team.group)
    ticket_transition(ticket=done, target=Status.RESOLVED, actor=team.agent)
    open_ticket(other_team, group=other_team.group)  # another group's
    _due(late, 120)
    _due(soon, 10)
    _due(undated, None)
    login_verified(client, team.agent)

    seen, cursor = [], ""
    for _ in range(5):
        page = client.get(LIST, {"queue": "true", "page_size": 1, "cursor": cursor})
        assert page.status_code == 200, page.content
        seen += [row["id"] for row in page.json()["results"]]
        cursor = page.json()["next_cursor"]
        if not cursor:
            break
    assert seen == [soon.pk, late.pk, undated.pk]


def test_a_forged_queue_cursor_is_refused(client, team):
    login_verified(client, team.agent)
    response = client.get(LIST, {"queue": "true", "cursor": "bm90LWEtY3Vyc29y"})
    assert response.status_code == 400
    assert "cursor" in response.json()


def test_counts_of_open_tickets_per_conversation_in_one_request(client, team, other_team):
    busy, quiet, idle = conversation_of(team), conversation_of(team), conversation_of(team)
    foreign = conversation_of(other_team)
    open_ticket(team, conversations=[busy])
    open_ticket(team, conversations=[busy])
    closed = open_ticket(team, conversations=[quiet])
    ticket_transition(ticket=closed, target=Status.RESOLVED, actor=team.agent)
    open_ticket(other_team, conversations=[foreign])
    login_verified(client, team.agent)

    ids = ",".join(str(c.pk) for c in (busy, quiet, idle, foreign))
    response = client.get(COUNTS, {"ids": ids})
    assert response.status_code == 200, response.content
    assert response.json() == {"counts": {str(busy.pk): 2}}


@pytest.mark.parametrize("ids", ["", "1,,2", "a", "1;2", "0", ",".join(["1"] * 101), "1 "])
def test_counts_refuse_a_malformed_id_list(client, team, ids):
    login_verified(client, team.agent)
    response = client.get(COUNTS, {"ids": ids})
    assert response.status_code == 400
    assert "ids" in response.json()


def test_counts_need_a_login(client):
    assert client.get(COUNTS, {"ids": "1"}).status_code in (401, 403)


def test_the_type_picker_lists_active_types_in_order(client, team):
    from tickets.models import TicketType

    retired = TicketType.objects.create(code="retired", name="Retired", is_active=False)
    login_verified(client, team.agent)
    response = client.get("/api/v1/tickets/types/")
    assert response.status_code == 200
    codes = [t["code"] for t in response.json()["results"]]
    expected = list(
        TicketType.objects.filter(is_active=True)
        .order_by("position", "name")
        .values_list("code", flat=True)
    )
    assert codes == expected and "return_refund" in codes and retired.code not in codes


def test_the_list_filters_by_conversation(client, team, other_team):
    conversation, elsewhere = conversation_of(team), conversation_of(team)
    linked = open_ticket(team, conversations=[conversation])
    open_ticket(team, conversations=[elsewhere])
    foreign = conversation_of(other_team)
    open_ticket(other_team, conversations=[foreign])
    login_verified(client, team.agent)
    rows = client.get(LIST, {"conversation": conversation.pk}).json()["results"]
    assert [row["id"] for row in rows] == [linked.pk]
    assert client.get(LIST, {"conversation": foreign.pk}).json()["results"] == []
    assert client.get(LIST, {"conversation": "x"}).status_code == 400
