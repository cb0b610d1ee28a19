"""The demo's robots: what `make run`'s robot simulator accepts and the demo groups send to."""

from integrations.robots.simulator import RobotSimulator, SimRobot
from integrations.robots.types import RobotKind

DEMO_ROBOTS = (
    SimRobot(RobotKind.WECOM, "demo-wecom-0001", name="WeCom 客服群"),
    SimRobot(
        RobotKind.DINGTALK,
        "demo-dingtalk-0001",
        secret="SECdemo-signing",  # noqa: S106 (the demo simulator's own)
        name="钉钉 客服群",
    ),
)


def demo_robot_simulator() -> RobotSimulator:
    sim = RobotSimulator()
    for robot in DEMO_ROBOTS:
        sim.add(robot)
    return sim
