"""The demo groups' robots, pointing at `make run`'s robot simulator."""

from alerts.models import Robot
from alerts.services.robots import robot_save
from chat.models import AgentGroup
from integrations.robots.demo import DEMO_ROBOTS


def demo_robots_seed(*, base_url: str) -> int:
    """Give every agent group the demo robots (once); returns how many were created."""
    created = 0
    base_url = base_url.rstrip("/")
    paths = {
        "wecom": "/cgi-bin/webhook/send?key={}",
        "dingtalk": "/robot/send?access_token={}",
        "feishu": "/open-apis/bot/v2/hook/{}",
    }
    for group in AgentGroup.objects.all():
        for sim in DEMO_ROBOTS:
            if Robot.objects.filter(group=group, name=sim.name).exists():
                continue
            robot = Robot(group=group, name=sim.name, kind=sim.kind.value)
            url = base_url + paths[sim.kind.value].format(sim.credential)
            robot_save(robot=robot, webhook_url=url, secret=sim.secret)
            created += 1
    return created
