"""Two teams, each with its own shop, agent and supervisor, and a way to open tickets through
the service (the path every caller takes)."""

from dataclasses import dataclass
from importlib import import_module

import pytest

from chat.models import AgentGroup
from integrations.models import Shop
from shopee_cs.security.roles import ROLE_AGENT, ROLE_SUPERVISOR
from tests.chat.conftest import simulator  # noqa: F401  (the Shopee simulator on loopback)
from tests.factories import AgentGroupFactory, ConversationFactory, ShopFactory, UserFactory
from tickets.models import SlaPolicy, TicketType
from tickets.services import ticket_create


@dataclass
class Team:
    shop: Shop
    group: AgentGroup
    agent: object
    supervisor: object


def _team(name: str, site: str = "MY") -> Team:
    shop = ShopFactory(site=site, name=f"{name} shop")
    agent = UserFactory(username=f"{name}-agent", roles=[ROLE_AGENT])
    supervisor = UserFactory(username=f"{name}-supervisor", roles=[ROLE_SUPERVISOR])
    group = AgentGroupFactory(name=name, shops=[shop], members=[agent, supervisor])
    return Team(shop=shop, group=group, agent=agent, supervisor=supervisor)


@pytest.fixture(autouse=True)
def _seeded_ticket_types(request):
    """The types the data migration seeds. A test that flushes the database (the browser
    tests' live server) removes them for the tests that run after it in the same process."""
    if "db" not in request.fixturenames and not request.node.get_closest_marker("django_db"):
        return
    request.getfixturevalue("db")
    seed = import_module("tickets.migrations.0002_seed_ticket_types")
    for code, name, position in seed.TYPES:
        TicketType.objects.get_or_create(code=code, defaults={"name": name, "position": position})


@pytest.fixture
def team(db) -> Team:
    return _team("north")


@pytest.fixture
def other_team(db) -> Team:
    return _team("south", site="TH")


@pytest.fixture
def returns_type(db) -> TicketType:
    return TicketType.objects.get(code="return_refund")


@pytest.fixture
def sla(returns_type) -> SlaPolicy:
    return SlaPolicy.objects.create(
        ticket_type=returns_type, priority="normal", resolution_minutes=240, due_soon_minutes=60
    )


def open_ticket(team: Team, actor=None, **fields):
    fields.setdefault("ticket_type", "return_refund")
    fields.setdefault("subject", "Parcel arrived broken")
    if "conversations" not in fields:
        fields.setdefault("shop", team.shop)
    return ticket_create(actor=actor or team.agent, **fields)


def conversation_of(team: Team, **fields):
    return ConversationFactory(shop=team.shop, **fields)
