"""The three robot transports against the loopback robot simulator: formats, signatures,
mentions, limits and how each failure is classified."""

import pytest

from integrations.robots import (
    Mentions,
    RobotConfig,
    RobotError,
    RobotKind,
    RobotMessage,
    RobotMisconfigured,
    RobotRateLimited,
    dingtalk,
    feishu,
    robot_transport,
)
from integrations.robots.simulator import RobotSimulator, SimRobot, start_robot_simulator


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def robots(clock):
    with start_robot_simulator(RobotSimulator(clock=clock)) as handle:
        yield handle


def _send(handle, robot: SimRobot, message: RobotMessage, *, secret="", keyword="", now=None):
    config = RobotConfig(robot.kind, handle.webhook_url(robot), secret=secret, keyword=keyword)
    robot_transport(config).send(message, now=handle.sim.clock() if now is None else now)


ALERT = RobotMessage(
    title="Buyer waiting 2 min",
    markdown="**Shop MY-1**: buyer *ali* waits since 10:02\n[Open](http://cs.local/c/7)",
    mentions=Mentions(user_ids=("zhangsan",)),
)


def test_the_published_signing_vectors():
    # im-robots.md §2.3 and §3.3, computed with three libraries there.
    assert dingtalk.sign("SECdemo", 1599360473000) == (
        "tGWkA5eQOQNCNPDgphtxIoNLO%2B%2FgD8Lcb705KQoRzeY%3D"
    )
    assert feishu.sign("demo", 1599360473) == "l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8="
    assert feishu.sign("demo", 100) == "jquNHnVOwmDRfw+vqTIrY5dooJAgi5EcRtLsQE4wfXg="


@pytest.mark.parametrize("kind", list(RobotKind))
def test_each_robot_delivers_the_alert_with_its_mention(robots, kind):
    robot = robots.sim.add(
        SimRobot(kind, f"cred-{kind}", secret="SECabc" if kind != "wecom" else "")
    )
    _send(robots, robot, ALERT, secret=robot.secret)
    [got] = robots.sim.messages()
    assert got["kind"] == kind.value
    assert "Buyer waiting 2 min" in got["text"] and "MY-1" in got["text"]
    assert "@zhangsan" in got["mentions"]


def test_wecom_mobiles_and_everyone_go_as_text_with_mention_lists(robots):
    robot = robots.sim.add(SimRobot(RobotKind.WECOM, "k1"))
    message = RobotMessage(
        "Breach", "**3 min** passed", Mentions(mobiles=("13800001111",), everyone=True)
    )
    _send(robots, robot, message)
    [got] = robots.sim.messages()
    assert got["body"]["msgtype"] == "text"
    assert "**" not in got["text"]  # plain text, no markdown marks
    assert set(got["mentions"]) == {"@13800001111", "@all"}


def test_dingtalk_mentions_are_written_in_the_text_too(robots):
    robot = robots.sim.add(SimRobot(RobotKind.DINGTALK, "t1"))
    _send(robots, robot, RobotMessage("Breach", "late", Mentions(mobiles=("13800001111",))))
    [got] = robots.sim.messages()
    assert got["body"]["at"]["atMobiles"] == ["13800001111"]
    assert got["body"]["markdown"]["text"].endswith("@13800001111")


def test_a_wrong_dingtalk_secret_is_a_configuration_error_that_names_the_cause(robots):
    robot = robots.sim.add(SimRobot(RobotKind.DINGTALK, "t2", secret="SECright"))
    with pytest.raises(RobotMisconfigured) as caught:
        _send(robots, robot, ALERT, secret="SECwrong")
    assert caught.value.code == "310000"
    assert "sign not match" in str(caught.value) and "加签" in str(caught.value)
    assert not caught.value.retryable
    assert "SECwrong" not in str(caught.value) and "t2" not in str(caught.value)
    assert robots.sim.messages() == []


def test_a_clock_an_hour_off_is_refused_by_dingtalk_and_feishu(robots, clock):
    ding = robots.sim.add(SimRobot(RobotKind.DINGTALK, "t3", secret="SECx"))
    fei = robots.sim.add(SimRobot(RobotKind.FEISHU, "h3", secret="s"))
    with pytest.raises(RobotMisconfigured, match="invalid timestamp"):
        _send(robots, ding, ALERT, secret="SECx", now=clock.now - 3601)
    with pytest.raises(RobotMisconfigured, match="timestamp is not within one hour"):
        _send(robots, fei, ALERT, secret="s", now=clock.now + 3601)
    _send(robots, ding, ALERT, secret="SECx", now=clock.now - 3500)
    assert len(robots.sim.messages()) == 1


@pytest.mark.parametrize("kind", [RobotKind.DINGTALK, RobotKind.FEISHU])
def test_the_configured_keyword_is_put_in_the_message(robots, kind):
    robot = robots.sim.add(SimRobot(kind, "kw", keywords=("客服告警",)))
    with pytest.raises(RobotMisconfigured):
        _send(robots, robot, ALERT)  # the robot wants a keyword we were not told
    _send(robots, robot, ALERT, keyword="客服告警")
    assert "客服告警" in robots.sim.messages()[0]["text"]


def test_unknown_credentials_are_configuration_errors(robots):
    for kind in RobotKind:
        with pytest.raises(RobotMisconfigured):
            _send(robots, SimRobot(kind, "nobody"), ALERT)


def test_wecom_over_20_a_minute_is_rate_limited_then_passes_after_the_minute(robots, clock):
    robot = robots.sim.add(SimRobot(RobotKind.WECOM, "k2"))
    for _ in range(20):
        _send(robots, robot, ALERT)
    with pytest.raises(RobotRateLimited) as caught:
        _send(robots, robot, ALERT)
    assert caught.value.code == "45009" and caught.value.retryable
    clock.now += 61
    _send(robots, robot, ALERT)
    assert len(robots.sim.messages()) == 21


def test_dingtalk_holds_a_robot_for_10_minutes_once_over_the_limit(robots, clock):
    robot = robots.sim.add(SimRobot(RobotKind.DINGTALK, "t4"))
    for _ in range(20):
        _send(robots, robot, ALERT)
    with pytest.raises(RobotRateLimited) as caught:
        _send(robots, robot, ALERT)
    assert caught.value.retry_after == 600
    clock.now += 120  # the minute is over, the throttle is not
    with pytest.raises(RobotRateLimited):
        _send(robots, robot, ALERT)
    clock.now += 481
    _send(robots, robot, ALERT)


def test_feishu_allows_5_a_second(robots, clock):
    robot = robots.sim.add(SimRobot(RobotKind.FEISHU, "h4"))
    for _ in range(5):
        _send(robots, robot, ALERT)
    with pytest.raises(RobotRateLimited):
        _send(robots, robot, ALERT)
    clock.now += 1.01
    _send(robots, robot, ALERT)


def test_a_robot_that_is_down_is_a_retryable_error(robots):
    robot = robots.sim.add(SimRobot(RobotKind.WECOM, "k3"))
    robots.sim.down = True
    with pytest.raises(RobotError) as caught:
        _send(robots, robot, ALERT)
    assert caught.value.retryable and "503" in str(caught.value)
    assert "k3" not in str(caught.value)  # the key stays out of errors


def test_an_unreachable_robot_is_a_retryable_error():
    config = RobotConfig(RobotKind.WECOM, "http://127.0.0.1:9/cgi-bin/webhook/send?key=k")
    with pytest.raises(RobotError) as caught:
        robot_transport(config).send(ALERT)
    assert caught.value.retryable


@pytest.mark.parametrize("kind", list(RobotKind))
def test_a_long_chinese_summary_is_cut_to_the_byte_limit_not_refused(robots, kind):
    robot = robots.sim.add(SimRobot(kind, f"long-{kind}"))
    long_text = "买家等待回复超过三分钟。" * 2000  # 36 bytes each, far over every limit
    _send(robots, robot, RobotMessage("Breaches", long_text, Mentions(user_ids=("u1",))))
    [got] = robots.sim.messages()
    assert got["text"].rstrip().endswith(("…", "<@u1>", "@u1", "<at id=u1></at>"))
    assert "@u1" in got["mentions"]
