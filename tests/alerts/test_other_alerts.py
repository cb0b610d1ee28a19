"""Tickets due soon and overdue, and shop-connection problems, raised once each through the
alert path, to the groups of the shop."""

from datetime import timedelta

import pytest
from django.utils import timezone

from alerts.models import Alert, AlertDelivery
from alerts.services.other_alerts import integration_scan, ticket_sla_scan
from chat.models import InboundEvent
from integrations.models import IntegrationAlert
from tickets.models import SlaPolicy, Ticket, TicketType
from tickets.services import ticket_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(team):
    kind, _ = TicketType.objects.get_or_create(code="return_refund", defaults={"name": "Return"})
    SlaPolicy.objects.create(
        ticket_type=kind, priority="normal", resolution_minutes=240, due_soon_minutes=60
    )
    return ticket_create(
        actor=team.agent,
        ticket_type=kind,
        subject="Parcel arrived broken",
        shop=team.shop,
        group=team.group,
        assignee=team.agent,
    )


def test_a_ticket_warns_when_due_soon_then_when_overdue_once_each(team, ticket):
    assert ticket.due_at and ticket.due_soon_at
    assert ticket_sla_scan(now=ticket.due_soon_at - timedelta(seconds=1)) == []
    [soon] = ticket_sla_scan(now=ticket.due_soon_at + timedelta(seconds=1))
    assert soon.kind == Alert.Kind.TICKET_DUE_SOON and soon.ticket_id == ticket.pk
    assert soon.mention_user_ids == [team.agent.pk] and "Parcel arrived broken" in soon.title
    assert ticket_sla_scan(now=ticket.due_soon_at + timedelta(seconds=30)) == []
    [late] = ticket_sla_scan(now=ticket.due_at)
    assert late.kind == Alert.Kind.TICKET_BREACHED
    assert ticket_sla_scan(now=ticket.due_at + timedelta(minutes=5)) == []
    assert AlertDelivery.objects.filter(alert=late).count() == 2  # both robots of the group


def test_a_resolved_ticket_raises_nothing(team, ticket):
    Ticket.objects.filter(pk=ticket.pk).update(status="resolved")
    assert ticket_sla_scan(now=ticket.due_at + timedelta(minutes=1)) == []


def test_a_new_due_time_is_alerted_again(team, ticket):
    ticket_sla_scan(now=ticket.due_at)
    later = ticket.due_at + timedelta(hours=4)
    Ticket.objects.filter(pk=ticket.pk).update(due_at=later, due_soon_at=later - timedelta(hours=1))
    assert [a.kind for a in ticket_sla_scan(now=later)] == [Alert.Kind.TICKET_BREACHED]


def test_a_shop_needing_reauthorisation_is_told_to_its_group_once(team):
    IntegrationAlert.objects.create(
        shop=team.shop, kind="needs_reauth", message="The refresh token was used elsewhere."
    )
    [alert] = integration_scan()
    assert alert.kind == Alert.Kind.INTEGRATION and alert.group_id == team.group.pk
    assert "refresh token" in alert.text and team.shop.name in alert.title
    assert integration_scan() == []


def test_a_parked_marketplace_event_is_told_to_the_shop_group(team):
    InboundEvent.objects.create(
        platform=team.shop.platform,
        dedup_key="parked-1",
        kind="order",
        shop_platform_id=team.shop.platform_shop_id,
        payload={},
        status=InboundEvent.Status.PARKED,
        error="unknown order status 'WEIRD'",
    )
    [alert] = integration_scan()
    assert "WEIRD" in alert.text and alert.shop_id == team.shop.pk
    assert integration_scan() == []


def test_old_problems_are_not_announced_on_a_first_start(team):
    problem = IntegrationAlert.objects.create(shop=team.shop, kind="needs_reauth", message="x")
    IntegrationAlert.objects.filter(pk=problem.pk).update(
        created_at=timezone.now() - timedelta(days=3)
    )
    assert integration_scan() == []
