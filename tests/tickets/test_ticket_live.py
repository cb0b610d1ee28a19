"""Ticket changes reach the sockets of the agents who may see the ticket's shop, and no others."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from chat.models import LiveEvent
from tests.chat.test_agent_consumer import _communicator, _until
from tests.factories import login_verified
from tests.tickets.conftest import conversation_of, open_ticket
from tickets.models import Status
from tickets.services import TicketRefused, ticket_note_add, ticket_transition

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_transition_reaches_the_shops_group_and_not_another(client, team, other_team):
    conversation = conversation_of(team)
    ticket = open_ticket(team, conversations=[conversation])
    login_verified(client, team.agent)
    other_client = client.__class__()
    login_verified(other_client, other_team.agent)

    async def scenario():
        own, foreign = _communicator(client), _communicator(other_client)
        assert (await own.connect())[0] and (await foreign.connect())[0]
        await _until(own, "chat.agent_presence")
        await _until(foreign, "chat.agent_presence")
        await transition()
        event = await _until(own, "tickets.ticket_updated")
        quiet = True
        while not await foreign.receive_nothing(timeout=0.3):
            quiet = quiet and (await foreign.receive_json_from())["type"] != event["type"]
        await own.disconnect()
        await foreign.disconnect()
        return event, quiet

    @database_sync_to_async
    def transition():
        ticket_transition(ticket=ticket, target=Status.PENDING_BUYER, actor=team.agent)

    event, foreign_quiet = async_to_sync(scenario)()
    assert event["shop_id"] == team.shop.pk
    assert event["ticket"]["id"] == ticket.pk
    assert event["ticket"]["status"] == Status.PENDING_BUYER
    assert event["open_ticket_counts"] == {str(conversation.pk): 1}
    assert foreign_quiet


def test_resolving_the_last_ticket_clears_the_conversations_count(team):
    conversation = conversation_of(team)
    ticket = open_ticket(team, conversations=[conversation])
    ticket_note_add(ticket=ticket, actor=team.agent, body="Asked the courier")
    ticket_transition(ticket=ticket, target=Status.RESOLVED, actor=team.agent)
    events = list(
        LiveEvent.objects.filter(type="tickets.ticket_updated")
        .order_by("id")
        .values_list("payload", flat=True)
    )
    assert [e["ticket"]["status"] for e in events] == [Status.NEW, Status.NEW, Status.RESOLVED]
    assert [e["open_ticket_counts"] for e in events][-1] == {str(conversation.pk): 0}


def test_a_refused_move_publishes_nothing(team):
    ticket = open_ticket(team)
    before = LiveEvent.objects.count()
    with pytest.raises(TicketRefused, match="allowed"):
        ticket_transition(ticket=ticket, target=Status.REOPENED, actor=team.agent)
    assert LiveEvent.objects.count() == before
