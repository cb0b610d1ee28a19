"""A team with a shop, an agent, a lead and two robots on the loopback robot simulator."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from alerts.models import GroupAlertPolicy, ImContact, Robot
from alerts.services.robots import robot_save
from integrations.robots import RobotKind
from integrations.robots.simulator import RobotSimulator, SimRobot, start_robot_simulator
from tests.chat.conftest import simulator  # noqa: F401  (the marketplace on loopback)
from tests.factories import AgentGroupFactory, ConversationFactory, ShopFactory, UserFactory


class Clock:
    def __init__(self) -> None:
        self.now = timezone.now().timestamp()

    def __call__(self) -> float:
        return self.now


@dataclass
class Team:
    shop: object
    group: object
    agent: object
    lead: object
    wecom: Robot
    dingtalk: Robot


@pytest.fixture
def robot_sim():
    with start_robot_simulator(RobotSimulator(clock=Clock())) as handle:
        yield handle


def robot_for(handle, group, kind: RobotKind, credential: str, secret: str = "") -> Robot:
    sim_robot = handle.sim.add(SimRobot(kind, credential, secret=secret, name=credential))
    robot = Robot(group=group, name=credential, kind=kind.value)
    return robot_save(robot=robot, webhook_url=handle.webhook_url(sim_robot), secret=secret)


@pytest.fixture
def team(db, robot_sim) -> Team:
    shop = ShopFactory(site="MY", name="MY Gadgets")
    agent = UserFactory(username="mei")
    lead = UserFactory(username="boss")
    group = AgentGroupFactory(name="MY team", shops=[shop], members=[agent, lead])
    GroupAlertPolicy.objects.create(group=group, lead=lead)
    ImContact.objects.create(user=agent, wecom_user_id="meiwx", mobile="13800000001")
    ImContact.objects.create(user=lead, wecom_user_id="bosswx", mobile="13800000002")
    return Team(
        shop,
        group,
        agent,
        lead,
        robot_for(robot_sim, group, RobotKind.WECOM, "wecom-team"),
        robot_for(robot_sim, group, RobotKind.DINGTALK, "ding-team", secret="SECteam"),
    )


def waiting(team: Team, seconds: float, **fields):
    """A conversation whose buyer has waited `seconds` for a human reply."""
    since = timezone.now() - timedelta(seconds=seconds)
    return ConversationFactory(
        **{"shop": team.shop, "group": team.group, "awaiting_reply_since": since, **fields}
    )
