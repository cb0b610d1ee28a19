"""The ticket workbench in the admin: scoped lists and filters, the SLA view, bulk actions
through the services (with an intermediate form), merges, and the ticket page."""

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.utils import timezone

from chat.models import Message
from tests.factories import MessageFactory, UserFactory, login_verified
from tests.tickets.conftest import conversation_of, open_ticket
from tickets.models import Status, Ticket, TicketEvent, TicketType

pytestmark = pytest.mark.django_db

LIST = "/admin/tickets/ticket/"


def signed_in(user) -> Client:
    browser = Client()
    login_verified(browser, user)
    return browser


def breach(*tickets):
    past = timezone.now() - timedelta(hours=1)
    Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(
        due_at=past, due_soon_at=past - timedelta(hours=1)
    )


def action(browser, name, ids, query="?queue=all", **fields):
    data = {"action": name, "index": 0, ACTION_CHECKBOX_NAME: [str(i) for i in ids], **fields}
    return browser.post(f"{LIST}{query}", data)


def test_a_supervisor_finds_breached_tickets_reassigns_them_and_merges_duplicates(
    team, other_team, sla
):
    colleague = UserFactory(username="north-colleague", roles=["Agent"])
    team.group.members.add(colleague)
    late = [open_ticket(team, subject=f"late {i}", assignee=team.agent) for i in range(3)]
    open_ticket(team, subject="on time")
    foreign_late = open_ticket(other_team, subject="foreign late")
    breach(*late, foreign_late)
    browser = signed_in(team.supervisor)

    # Find: every breached ticket of the group, none of another group's.
    page = browser.get(f"{LIST}?queue=all&sla=breached").content.decode()
    for ticket in late:
        assert f"late {ticket.subject[-1]}" in page
    assert "on time" not in page and "foreign late" not in page
    assert "sla-breached" in page

    # Reassign: the intermediate form asks for the assignee, then the service applies it.
    ids = [t.pk for t in late]
    form = action(browser, "assign_selected", ids, query="?queue=all&sla=breached")
    assert form.status_code == 200
    assert "north-colleague" in form.content.decode()
    assert "south-agent" not in form.content.decode()  # another group's people are not offered
    done = action(
        browser, "assign_selected", ids, query="?queue=all&sla=breached", apply=1,
        assignee=colleague.pk,
    )  # fmt: skip
    assert done.status_code == 302
    assert set(Ticket.objects.filter(pk__in=ids).values_list("assignee", flat=True)) == {
        colleague.pk
    }
    for ticket in late:
        entry = ticket.events.get(kind="assigned", field="assignee")
        assert (entry.old_value, entry.new_value, entry.actor) == (
            str(team.agent),
            str(colleague),
            team.supervisor,
        )

    # Merge two duplicates: the later one into the earlier.
    keep, duplicate = late[0], late[1]
    form = action(browser, "merge_selected", [keep.pk, duplicate.pk])
    assert form.status_code == 200
    merged = action(browser, "merge_selected", [keep.pk, duplicate.pk], apply=1, target=keep.pk)
    assert merged.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == Status.CLOSED and duplicate.merged_into_id == keep.pk
    assert duplicate.events.filter(kind="merged_into").exists()
    assert keep.events.filter(kind="merged_from").exists()

    # Each action shows in the ticket page's history.
    history = browser.get(f"{LIST}{duplicate.pk}/change/").content.decode()
    assert f"merged into #{keep.pk}" in history
    assert str(colleague) in history


def test_a_bulk_status_change_refused_for_one_ticket_changes_none(team):
    fresh = open_ticket(team, assignee=team.supervisor)
    closed = open_ticket(team, assignee=team.supervisor)
    Ticket.objects.filter(pk=closed.pk).update(status=Status.CLOSED)
    browser = signed_in(team.supervisor)
    response = action(
        browser, "move_selected", [fresh.pk, closed.pk], apply=1, status="open", query=""
    )
    page = browser.get(response.url).content.decode() if response.status_code == 302 else ""
    assert "cannot move from Closed to Open" in page
    fresh.refresh_from_db()
    assert fresh.status == Status.NEW


def test_a_merge_across_shops_is_refused(team, other_team):
    mine, theirs = open_ticket(team), open_ticket(other_team)
    # An admin sees both shops; the service still refuses.
    boss = UserFactory(is_superuser=True)
    browser = signed_in(boss)
    response = action(browser, "merge_selected", [mine.pk, theirs.pk], apply=1, target=mine.pk)
    assert "different shops" in browser.get(response.url).content.decode()
    theirs.refresh_from_db()
    assert theirs.status == Status.NEW and theirs.merged_into is None


def test_bulk_actions_on_500_tickets_take_one_request_and_constant_queries(
    team, django_assert_max_num_queries
):
    kind = TicketType.objects.get(code="other")
    tickets = Ticket.objects.bulk_create(
        [Ticket(shop=team.shop, ticket_type=kind, subject=f"bulk {i}") for i in range(500)]
    )
    ids = [t.pk for t in tickets]
    browser = signed_in(team.supervisor)
    browser.get(LIST)  # warm the per-process caches (allowlist)
    with django_assert_max_num_queries(25):
        done = action(browser, "assign_selected", ids, apply=1, assignee=team.agent.pk)
    assert done.status_code == 302
    assert Ticket.objects.filter(assignee=team.agent).count() == 500
    with django_assert_max_num_queries(25):
        done = action(browser, "move_selected", ids, apply=1, status="pending_internal")
    assert done.status_code == 302
    assert Ticket.objects.filter(status=Status.PENDING_INTERNAL).count() == 500
    assert TicketEvent.objects.filter(kind="status").count() == 500


def test_an_agent_cannot_reach_the_workbench_nor_a_supervisor_another_groups_ticket(
    team, other_team
):
    theirs = open_ticket(other_team, subject="secret of theirs")
    as_agent = signed_in(team.agent)
    for url in (LIST, f"{LIST}?queue=all", f"{LIST}{theirs.pk}/change/"):
        page = as_agent.get(url, follow=True)
        assert "secret of theirs" not in page.content.decode()
        assert page.redirect_chain and "/login/" in page.redirect_chain[-1][0]
    browser = signed_in(team.supervisor)
    refused = browser.get(f"{LIST}{theirs.pk}/change/", follow=True)
    assert "secret of theirs" not in refused.content.decode()
    listing = browser.get(f"{LIST}?queue=all").content.decode()
    assert "secret of theirs" not in listing
    assert "south shop" not in listing  # the shop filter lists only the scoped rows' shops


def test_the_default_view_is_my_queue_due_soonest_first(team, sla):
    later = open_ticket(team, subject="due later", assignee=team.supervisor)
    sooner = open_ticket(team, subject="due sooner", assignee=team.supervisor)
    open_ticket(team, subject="someone else's", assignee=team.agent)
    Ticket.objects.filter(pk=sooner.pk).update(due_at=later.due_at - timedelta(hours=1))
    page = signed_in(team.supervisor).get(LIST).content.decode()
    assert "someone else&#x27;s" not in page and "someone else's" not in page
    assert page.index("due sooner") < page.index("due later")


def test_search_by_order_return_and_buyer(team):
    open_ticket(team, subject="by order", order_ref="250101XYZ", assignee=team.supervisor)
    open_ticket(team, subject="by return", return_ref="R77", assignee=team.supervisor)
    browser = signed_in(team.supervisor)
    assert "by order" in browser.get(f"{LIST}?q=250101XYZ").content.decode()
    found = browser.get(f"{LIST}?q=R77").content.decode()
    assert "by return" in found and "by order" not in found


def test_the_ticket_page_shows_history_and_transcript_and_edits_through_the_service(team):
    conversation = conversation_of(team)
    MessageFactory(conversation=conversation, text="my parcel is crushed")
    MessageFactory(
        conversation=conversation,
        text="sorry, we will fix it",
        direction=Message.Direction.OUTBOUND,
        sender_kind="agent",
    )
    ticket = open_ticket(team, conversations=[conversation])
    browser = signed_in(team.supervisor)
    url = f"{LIST}{ticket.pk}/change/"
    page = browser.get(url).content.decode()
    assert "my parcel is crushed" in page and "sorry, we will fix it" in page
    assert "ticket-history" in page

    form = {
        "subject": "Crushed parcel",
        "ticket_type": ticket.ticket_type_id,
        "description": "",
        "priority": "high",
        "group": team.group.pk,
        "assignee": team.agent.pk,
        "order_ref": "",
        "return_ref": "",
        "notes-TOTAL_FORMS": 1,
        "notes-INITIAL_FORMS": 0,
        "notes-0-body": "Called the courier",
        "attachments-TOTAL_FORMS": 1,
        "attachments-INITIAL_FORMS": 0,
        "attachments-0-url": "https://cf.shopee.com.my/file/crushed.jpg",
    }
    saved = browser.post(url, form)
    assert saved.status_code == 302, saved.content.decode()[:3000]
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.priority, ticket.assignee) == (
        "Crushed parcel",
        "high",
        team.agent,
    )
    kinds = set(ticket.events.values_list("kind", "field"))
    assert {("changed", "subject"), ("changed", "priority"), ("assigned", "assignee"),
            ("note", ""), ("attachment", "")} <= kinds  # fmt: skip
    assert ticket.notes.get().author == team.supervisor

    bad = browser.post(
        url, {**form, "attachments-0-url": "javascript:alert(1)", "notes-0-body": ""}
    )
    assert bad.status_code == 200  # the form again, with the error
    assert ticket.attachments.count() == 1


def test_tickets_are_created_in_the_admin_through_the_service(team, other_team):
    browser = signed_in(team.supervisor)
    form = browser.get(f"{LIST}add/").content.decode()
    assert "south shop" not in form and "south-agent" not in form
    data = {
        "shop": team.shop.pk,
        "ticket_type": TicketType.objects.get(code="invoice").pk,
        "subject": "Needs a tax invoice",
        "description": "",
        "priority": "normal",
        "group": "",
        "assignee": other_team.agent.pk,  # not offered: refused by the form
        "order_ref": "",
        "return_ref": "",
    }
    assert browser.post(f"{LIST}add/", data).status_code == 200
    assert not Ticket.objects.exists()
    created = browser.post(f"{LIST}add/", {**data, "assignee": team.agent.pk})
    assert created.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.source == Ticket.Source.ADMIN and ticket.created_by == team.supervisor
    assert ticket.events.filter(kind="created").exists()


def test_history_cannot_be_changed_or_deleted_in_the_admin(team):
    ticket = open_ticket(team)
    entry = ticket.events.get()
    boss = signed_in(UserFactory(is_superuser=True))
    assert boss.get(f"/admin/tickets/ticketevent/{entry.pk}/delete/").status_code == 403
    boss.post(f"/admin/tickets/ticketevent/{entry.pk}/change/", {"new_value": "forged"})
    entry.refresh_from_db()
    assert entry.new_value == ""
    assert boss.get(f"{LIST}{ticket.pk}/delete/").status_code == 403


def test_the_ticket_page_moves_the_status_through_the_workflow(team):
    ticket = open_ticket(team)
    browser = signed_in(team.supervisor)
    url = f"{LIST}{ticket.pk}/change/"
    form = {
        "subject": ticket.subject,
        "ticket_type": ticket.ticket_type_id,
        "description": "",
        "priority": "normal",
        "group": "",
        "assignee": "",
        "order_ref": "",
        "return_ref": "",
        "notes-TOTAL_FORMS": 0,
        "notes-INITIAL_FORMS": 0,
        "attachments-TOTAL_FORMS": 0,
        "attachments-INITIAL_FORMS": 0,
    }
    refused = browser.post(url, {**form, "move_to": "reopened"})
    assert refused.status_code == 200
    assert "allowed: Open, Pending buyer, Pending internal, Resolved, Closed" in (
        refused.content.decode()
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW
    assert browser.post(url, {**form, "move_to": "resolved"}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    assert ticket.events.get(kind="status").actor == team.supervisor
