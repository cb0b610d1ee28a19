"""Group robots in the admin: saved with secrets encrypted and write-only, refused with a clear
error when the URL or secret cannot work, tried with the "send a test message" action."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client, override_settings

from alerts.models import Robot
from alerts.services.robots import robot_config
from integrations.robots import RobotKind
from integrations.robots.simulator import RobotSimulator, SimRobot, start_robot_simulator
from shopee_cs.security.roles import ROLE_SUPERVISOR
from tests.factories import AgentGroupFactory, UserFactory, login_verified

pytestmark = pytest.mark.django_db

ADD = "/admin/alerts/robot/add/"
LIST = "/admin/alerts/robot/"


@pytest.fixture
def robots():
    with start_robot_simulator(RobotSimulator()) as handle:
        yield handle


@pytest.fixture
def supervisor():
    user = UserFactory(username="lead", roles=[ROLE_SUPERVISOR])
    group = AgentGroupFactory(name="MY team", members=[user])
    AgentGroupFactory(name="Other team")
    return user, group


def signed_in(user) -> Client:
    browser = Client()
    login_verified(browser, user)
    return browser


def add(browser, group, **fields):
    data = {"group": group.pk, "name": "MY alerts", "kind": "dingtalk", "is_active": "on"}
    return browser.post(ADD, {**data, **fields})


def test_a_supervisor_adds_a_signed_dingtalk_robot_and_the_test_message_arrives(robots, supervisor):
    user, group = supervisor
    sim_robot = robots.sim.add(SimRobot(RobotKind.DINGTALK, "tok-1", secret="SECgood"))
    url = robots.webhook_url(sim_robot)
    browser = signed_in(user)
    response = add(browser, group, webhook_url=url, secret="SECgood")
    assert response.status_code == 302, response.content.decode()[:2000]

    robot = Robot.objects.get()
    assert "tok-1" not in robot.webhook_url_encrypted and "SECgood" not in robot.secret_encrypted
    assert robot.webhook_host == f"{robots.base_url}/robot/send"  # no token in lists
    assert robot_config(robot).secret == "SECgood"
    page = browser.get(f"{LIST}{robot.pk}/change/").content.decode()
    assert "tok-1" not in page and "SECgood" not in page

    done = browser.post(
        LIST,
        {"action": "send_test_message", "index": 0, ACTION_CHECKBOX_NAME: [robot.pk]},
        follow=True,
    )
    assert "delivered" in done.content.decode()
    [got] = robots.sim.messages()
    assert "MY alerts" in got["text"] and "MY team" in got["text"]
    robot.refresh_from_db()
    assert robot.last_success_at is not None and robot.last_error == ""


def test_a_wrong_dingtalk_secret_gives_a_clear_error_in_the_test_action(robots, supervisor):
    user, group = supervisor
    sim_robot = robots.sim.add(SimRobot(RobotKind.DINGTALK, "tok-2", secret="SECright"))
    browser = signed_in(user)
    add(browser, group, webhook_url=robots.webhook_url(sim_robot), secret="SECwrong")
    robot = Robot.objects.get()
    done = browser.post(
        LIST,
        {"action": "send_test_message", "index": 0, ACTION_CHECKBOX_NAME: [robot.pk]},
        follow=True,
    ).content.decode()
    assert "not delivered" in done and "sign not match" in done and "加签" in done
    assert "SECwrong" not in done and "tok-2" not in done
    robot.refresh_from_db()
    assert "sign not match" in robot.last_error and robot.last_error_at is not None
    assert robots.sim.messages() == []


@pytest.mark.parametrize(
    ("kind", "url", "secret", "error"),
    [
        ("wecom", "ftp://qyapi.example/cgi-bin/webhook/send?key=k", "", "http:// or https://"),
        ("wecom", "https://qyapi.example/cgi-bin/webhook/send", "", "key="),
        ("dingtalk", "https://oapi.example/robot/send?access_token=t", "nosec", "starts with SEC"),
        ("feishu", "https://open.example/open-apis/bot/v2/hook/", "", "/open-apis/bot/v2/hook/"),
        ("wecom", "https://qyapi.example/cgi-bin/webhook/send?key=k", "s", "no signing secret"),
    ],
)
def test_a_robot_that_cannot_work_is_refused_at_save_time(supervisor, kind, url, secret, error):
    user, group = supervisor
    response = add(signed_in(user), group, kind=kind, webhook_url=url, secret=secret)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Robot.objects.exists()


@override_settings(ALERTS_ROBOT_PRIVATE_URLS=False)
@pytest.mark.parametrize(
    "host", ["127.0.0.1:8000", "10.1.2.3", "192.168.0.9", "[::1]", "169.254.169.254", "localhost"]
)
def test_a_private_robot_address_is_refused_when_the_setting_forbids_it(supervisor, host):
    user, group = supervisor
    url = f"http://{host}/cgi-bin/webhook/send?key=k"
    response = add(signed_in(user), group, kind="wecom", webhook_url=url)
    assert "private or loopback address" in response.content.decode()
    assert not Robot.objects.exists()


def test_a_supervisor_sees_and_picks_only_their_groups(supervisor):
    user, _group = supervisor
    other = AgentGroupFactory(name="Far team")
    Robot.objects.create(group=other, name="far robot", kind="wecom", webhook_host="x")
    browser = signed_in(user)
    assert "far robot" not in browser.get(LIST).content.decode()
    form = browser.get(ADD).content.decode()
    assert "MY team" in form and "Far team" not in form
    response = add(
        browser, other, kind="wecom", webhook_url="http://127.0.0.1/cgi-bin/webhook/send?key=k"
    )
    assert response.status_code == 200 and Robot.objects.count() == 1


def test_the_demo_robots_reach_the_demo_simulator(robots):
    from alerts.services.demo import demo_robots_seed
    from alerts.services.robots import robot_test_send
    from integrations.robots.demo import DEMO_ROBOTS

    for robot in DEMO_ROBOTS:
        robots.sim.add(robot)
    AgentGroupFactory(name="Demo team")
    assert demo_robots_seed(base_url=robots.base_url) == len(DEMO_ROBOTS)
    assert demo_robots_seed(base_url=robots.base_url) == 0  # once
    actor = UserFactory(username="admin-demo")
    assert [robot_test_send(robot=r, actor=actor) for r in Robot.objects.all()] == [None, None]
    assert {m["kind"] for m in robots.sim.messages()} == {"wecom", "dingtalk"}
