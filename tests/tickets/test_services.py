"""The ticket services: creation from every way in, the workflow, the SLA clock, merges and
bulk changes. Each refusal leaves nothing written."""

from datetime import timedelta

import pytest
from django.utils import timezone

from chat.models import BuyerOrder, BuyerReturn
from tests.tickets.conftest import conversation_of, open_ticket
from tickets.models import Status, Ticket, TicketAttachment, TicketEvent
from tickets.services import (
    TicketInvalid,
    TicketRefused,
    allowed_statuses,
    ticket_merge,
    ticket_note_add,
    ticket_transition,
    ticket_update,
    tickets_assign,
    tickets_transition,
)
from tickets.sla import SlaState, ticket_sla_state

pytestmark = pytest.mark.django_db


def kinds(ticket) -> list[str]:
    return list(ticket.events.order_by("id").values_list("kind", flat=True))


def test_from_a_conversation_the_shop_buyer_order_and_return_are_prefilled(team):
    conversation = conversation_of(team, buyer_platform_id="88001", buyer_name="Aisha")
    older, newer = (timezone.now() - timedelta(days=d) for d in (9, 2))
    BuyerOrder.objects.create(
        shop=team.shop, order_ref="2512OLD", buyer_platform_id="88001", platform_created_at=older
    )
    BuyerOrder.objects.create(
        shop=team.shop, order_ref="2512NEW", buyer_platform_id="88001", platform_created_at=newer
    )
    BuyerReturn.objects.create(shop=team.shop, return_ref="R9007199254740993", order_ref="2512NEW")

    ticket = open_ticket(team, conversations=[conversation])

    assert ticket.shop == team.shop
    assert (ticket.order_ref, ticket.return_ref) == ("2512NEW", "R9007199254740993")
    assert (ticket.buyer_platform_id, ticket.buyer_name) == ("88001", "Aisha")
    assert list(ticket.conversations.all()) == [conversation]
    assert kinds(ticket) == ["created", "linked"]
    assert ticket.status == Status.NEW


def test_given_references_win_over_the_cache(team):
    conversation = conversation_of(team, buyer_platform_id="88001")
    BuyerOrder.objects.create(shop=team.shop, order_ref="CACHED", buyer_platform_id="88001")
    ticket = open_ticket(team, conversations=[conversation], order_ref="GIVEN")
    assert (ticket.order_ref, ticket.return_ref) == ("GIVEN", "")


def test_bad_input_is_refused_field_by_field_and_nothing_is_written(team, other_team):
    with pytest.raises(TicketInvalid) as refused:
        open_ticket(
            team,
            ticket_type="no_such_type",
            subject="  ",
            priority="asap",
            order_ref=2512345678901234567,  # a number: digits are already lost
            attachments=["https://cf.shopee.sg/file/a.jpg", "javascript:alert(1)"],
            group=other_team.group,
            assignee=other_team.agent,
        )
    assert set(refused.value.errors) == {
        "ticket_type",
        "subject",
        "priority",
        "order_ref",
        "attachments",
        "group",
        "assignee",
    }
    assert "javascript" in refused.value.errors["attachments"][0]
    assert not Ticket.objects.exists()
    assert not TicketEvent.objects.exists()
    assert not TicketAttachment.objects.exists()


def test_conversations_of_two_shops_or_none_at_all_are_refused(team, other_team):
    mine, theirs = conversation_of(team), conversation_of(other_team)
    with pytest.raises(TicketInvalid, match="different shops"):
        open_ticket(team, conversations=[mine, theirs])
    with pytest.raises(TicketInvalid, match="shop or a conversation is required"):
        open_ticket(team, shop=None)
    assert not Ticket.objects.exists()


def test_a_forbidden_transition_names_the_allowed_ones(team):
    ticket = open_ticket(team)
    with pytest.raises(TicketRefused) as refused:
        ticket_transition(ticket=ticket, target=Status.REOPENED, actor=team.agent)
    message = str(refused.value)
    assert "from New to Reopened" in message
    assert "allowed: Open, Pending buyer, Pending internal, Resolved, Closed" in message
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW
    assert kinds(ticket) == ["created"]


def test_closed_is_final(team):
    ticket = open_ticket(team)
    ticket_transition(ticket=ticket, target=Status.CLOSED, actor=team.agent)
    with pytest.raises(TicketRefused, match=r"allowed: none \(the ticket is final\)"):
        ticket_transition(ticket=ticket, target=Status.OPEN, actor=team.agent)


def test_the_workflow_records_each_move(team):
    ticket = open_ticket(team)
    for target in (Status.OPEN, Status.RESOLVED, Status.REOPENED, Status.CLOSED):
        ticket = ticket_transition(ticket=ticket, target=target, actor=team.supervisor)
    moves = ticket.events.filter(kind="status").order_by("id")
    assert [(e.old_value, e.new_value) for e in moves] == [
        ("new", "open"),
        ("open", "resolved"),
        ("resolved", "reopened"),
        ("reopened", "closed"),
    ]
    assert {e.actor for e in moves} == {team.supervisor}
    ticket.refresh_from_db()
    assert ticket.closed_at is not None and ticket.resolved_at is None


def test_sla_deadline_in_a_24_7_shop(team, sla):
    before = timezone.now()
    ticket = open_ticket(team)
    assert before + timedelta(minutes=240) <= ticket.due_at <= timezone.now() + timedelta(hours=4)
    assert ticket.due_at - ticket.due_soon_at == timedelta(minutes=60)
    assert ticket_sla_state(ticket, timezone.now()) == SlaState.ON_TRACK
    assert ticket_sla_state(ticket, ticket.due_soon_at) == SlaState.DUE_SOON
    assert ticket_sla_state(ticket, ticket.due_at) == SlaState.BREACHED


def test_no_policy_means_no_sla(team):
    ticket = open_ticket(team, ticket_type="invoice")
    assert ticket.due_at is None
    assert ticket_sla_state(ticket, timezone.now()) == SlaState.NONE


def test_pending_buyer_pauses_the_clock(team, sla):
    ticket = open_ticket(team)
    ticket = ticket_transition(ticket=ticket, target=Status.PENDING_BUYER, actor=team.agent)
    assert ticket_sla_state(ticket, ticket.due_at + timedelta(days=1)) == SlaState.PAUSED
    # The buyer answered after three hours of waiting (24/7 shop: three business hours).
    due = ticket.due_at
    Ticket.objects.filter(pk=ticket.pk).update(
        sla_paused_at=ticket.sla_paused_at - timedelta(hours=3)
    )
    ticket = ticket_transition(ticket=ticket, target=Status.OPEN, actor=team.agent)
    assert ticket.sla_paused_at is None
    assert timedelta(hours=3) <= ticket.due_at - due < timedelta(hours=3, seconds=5)


def test_a_pause_after_the_deadline_gives_no_time_back(team, sla):
    ticket = open_ticket(team)
    late = timezone.now() - timedelta(minutes=1)
    Ticket.objects.filter(pk=ticket.pk).update(due_at=late, due_soon_at=late - timedelta(hours=1))
    ticket = ticket_transition(ticket=ticket, target=Status.PENDING_BUYER, actor=team.agent)
    assert ticket_sla_state(ticket, timezone.now()) == SlaState.BREACHED
    ticket = ticket_transition(ticket=ticket, target=Status.OPEN, actor=team.agent)
    assert ticket.due_at == late


def test_resolving_stops_and_reopening_restarts_the_clock(team, sla):
    ticket = ticket_transition(ticket=open_ticket(team), target=Status.RESOLVED, actor=team.agent)
    assert ticket_sla_state(ticket, ticket.due_at + timedelta(days=1)) == SlaState.STOPPED
    Ticket.objects.filter(pk=ticket.pk).update(sla_started_at=timezone.now() - timedelta(days=3))
    reopened = ticket_transition(ticket=ticket, target=Status.REOPENED, actor=team.agent)
    assert reopened.due_at > timezone.now() + timedelta(hours=3)


def test_a_priority_change_recomputes_the_deadline_and_is_recorded(team, sla, returns_type):
    from tickets.models import SlaPolicy

    SlaPolicy.objects.create(ticket_type=returns_type, priority="urgent", resolution_minutes=30)
    ticket = open_ticket(team)
    ticket = ticket_update(ticket=ticket, actor=team.supervisor, changes={"priority": "urgent"})
    assert ticket.due_at <= timezone.now() + timedelta(minutes=30)
    change = ticket.events.get(kind="changed")
    assert (change.field, change.old_value, change.new_value) == ("priority", "normal", "urgent")
    with pytest.raises(TicketInvalid):
        ticket_update(ticket=ticket, actor=team.supervisor, changes={"status": "closed"})


def test_merge_moves_links_and_closes_the_duplicate(team):
    first, second = conversation_of(team), conversation_of(team)
    target = open_ticket(team, conversations=[first])
    duplicate = open_ticket(
        team, conversations=[second], return_ref="R1", attachments=["https://cf.shopee.sg/x.jpg"]
    )
    ticket_merge(duplicate=duplicate, target=target, actor=team.supervisor)

    duplicate.refresh_from_db()
    target.refresh_from_db()
    assert duplicate.status == Status.CLOSED and duplicate.merged_into == target
    assert set(target.conversations.all()) == {first, second}
    assert not duplicate.conversations.exists()
    assert target.attachments.get().url == "https://cf.shopee.sg/x.jpg"
    assert target.return_ref == "R1"
    assert duplicate.events.get(kind="merged_into").new_value == f"merged into #{target.pk}"
    assert target.events.filter(kind="merged_from").count() == 1
    assert kinds(duplicate)[:2] == ["created", "linked"]  # its own history stays


def test_tickets_of_two_shops_are_not_merged(team, other_team):
    mine, theirs = open_ticket(team), open_ticket(other_team)
    with pytest.raises(TicketRefused, match="different shops"):
        ticket_merge(duplicate=theirs, target=mine, actor=team.supervisor)
    theirs.refresh_from_db()
    assert theirs.status == Status.NEW and theirs.merged_into is None
    assert not TicketEvent.objects.filter(kind__in=["merged_into", "merged_from"]).exists()


def test_a_bulk_move_is_all_or_nothing(team):
    fresh = open_ticket(team)
    closed = ticket_transition(ticket=open_ticket(team), target=Status.CLOSED, actor=team.agent)
    with pytest.raises(TicketRefused, match=f"#{closed.pk} cannot move from Closed"):
        tickets_transition(ticket_ids=[fresh.pk, closed.pk], target=Status.OPEN, actor=team.agent)
    fresh.refresh_from_db()
    assert fresh.status == Status.NEW


def test_assignees_must_work_on_the_shop(team, other_team):
    ticket = open_ticket(team)
    with pytest.raises(TicketInvalid, match=f"#{ticket.pk}"):
        tickets_assign(ticket_ids=[ticket.pk], assignee=other_team.agent, actor=team.supervisor)
    tickets_assign(ticket_ids=[ticket.pk], assignee=team.agent, actor=team.supervisor)
    event = ticket.events.get(kind="assigned")
    assert (event.old_value, event.new_value) == ("", str(team.agent))


def test_notes_are_kept_and_recorded(team):
    ticket = open_ticket(team)
    ticket_note_add(ticket=ticket, actor=team.agent, body="Asked the courier for a photo.")
    with pytest.raises(TicketInvalid):
        ticket_note_add(ticket=ticket, actor=team.agent, body="   ")
    assert [n.body for n in ticket.notes.all()] == ["Asked the courier for a photo."]
    assert kinds(ticket) == ["created", "note"]


def test_the_deadline_counts_only_the_shops_business_hours(team, sla):
    from datetime import time
    from zoneinfo import ZoneInfo

    from integrations.business_hours import BusinessCalendar, BusinessPeriod

    calendar = BusinessCalendar.objects.create(shop=team.shop)  # MY: Asia/Kuala_Lumpur
    for weekday in range(7):  # one working hour a day
        BusinessPeriod.objects.create(
            calendar=calendar, weekday=weekday, starts_at=time(10), ends_at=time(11)
        )
    before = timezone.now()
    ticket = open_ticket(team)  # 240 business minutes: four working days
    local = ticket.due_at.astimezone(ZoneInfo("Asia/Kuala_Lumpur"))
    assert local.time() == time(11)
    assert ticket.due_at - before > timedelta(days=3)
    assert ticket.due_soon_at.astimezone(ZoneInfo("Asia/Kuala_Lumpur")).time() == time(11)
    assert timedelta(days=1) - timedelta(seconds=5) < ticket.due_at - ticket.due_soon_at


def test_linking_a_conversation_of_another_shop_is_refused(team, other_team):
    from tickets.services import ticket_conversation_link

    ticket = open_ticket(team)
    with pytest.raises(TicketInvalid, match="another shop"):
        ticket_conversation_link(
            ticket=ticket, actor=team.agent, conversation=conversation_of(other_team)
        )
    mine = conversation_of(team)
    ticket_conversation_link(ticket=ticket, actor=team.agent, conversation=mine)
    ticket_conversation_link(ticket=ticket, actor=team.agent, conversation=mine)  # once only
    assert list(ticket.conversations.all()) == [mine]
    assert kinds(ticket) == ["created", "linked"]


def test_moving_to_the_current_status_records_nothing(team):
    ticket = ticket_transition(ticket=open_ticket(team), target=Status.OPEN, actor=team.agent)
    ticket_transition(ticket=ticket, target=Status.OPEN, actor=team.agent)
    assert kinds(ticket) == ["created", "status"]
    assert Status.OPEN not in allowed_statuses(ticket)
