"""Outbound group robots of the IMs Chinese teams work in (WeCom, DingTalk, Feishu/Lark).

`robot_transport(config).send(message)` delivers one alert or raises a RobotError subclass
that says whether a retry can help. No database access here: the alerts app stores robots and
decides what to send."""

from integrations.robots.base import RobotTransport, redacted
from integrations.robots.dingtalk import DingtalkTransport
from integrations.robots.feishu import FeishuTransport
from integrations.robots.types import (
    Mentions,
    RobotConfig,
    RobotError,
    RobotKind,
    RobotMessage,
    RobotMisconfigured,
    RobotRateLimited,
    RobotRejected,
)
from integrations.robots.wecom import WecomTransport

_TRANSPORTS: dict[RobotKind, type[RobotTransport]] = {
    RobotKind.WECOM: WecomTransport,
    RobotKind.DINGTALK: DingtalkTransport,
    RobotKind.FEISHU: FeishuTransport,
}


def robot_transport(config: RobotConfig, **kwargs) -> RobotTransport:
    return _TRANSPORTS[RobotKind(config.kind)](config, **kwargs)


__all__ = [
    "Mentions",
    "RobotConfig",
    "RobotError",
    "RobotKind",
    "RobotMessage",
    "RobotMisconfigured",
    "RobotRateLimited",
    "RobotRejected",
    "RobotTransport",
    "redacted",
    "robot_transport",
]
