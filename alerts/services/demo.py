"""The demo groups' robots, pointing at `make run`'s robot simulator."""

from django.contrib.auth import get_user_model

from alerts.models import GroupAlertPolicy, ImContact, Robot
from alerts.services.robots import robot_save
from chat.models import AgentGroup
from chat.services.inbox.demo import DEMO_USERS
from integrations.robots.demo import DEMO_ROBOTS
from shopee_cs.security.roles import ROLE_SUPERVISOR


def demo_robots_seed(*, base_url: str) -> int:
    """Give every agent group the demo robots, its supervisor as the lead, and the demo users IM
    identities (once); returns how many robots were created."""
    created = 0
    base_url = base_url.rstrip("/")
    paths = {
        "wecom": "/cgi-bin/webhook/send?key={}",
        "dingtalk": "/robot/send?access_token={}",
        "feishu": "/open-apis/bot/v2/hook/{}",
    }
    leads = [name for name, role, _group in DEMO_USERS if role == ROLE_SUPERVISOR]
    supervisor = get_user_model().objects.filter(username__in=leads).first()
    for index, user in enumerate(get_user_model().objects.filter(agent_groups__isnull=False)):
        # Demo IM identities, so the robot simulator shows whom each alert mentions.
        ImContact.objects.get_or_create(
            user=user,
            defaults={"wecom_user_id": user.username, "mobile": f"1380000{index:04d}"},
        )
    for group in AgentGroup.objects.all():
        GroupAlertPolicy.objects.get_or_create(group=group, defaults={"lead": supervisor})
        for sim in DEMO_ROBOTS:
            if Robot.objects.filter(group=group, name=sim.name).exists():
                continue
            robot = Robot(group=group, name=sim.name, kind=sim.kind.value)
            url = base_url + paths[sim.kind.value].format(sim.credential)
            robot_save(robot=robot, webhook_url=url, secret=sim.secret)
            created += 1
    return created
