"""What every group-robot transport takes and raises, whatever the IM."""

import enum
from dataclasses import dataclass, field


class RobotKind(enum.StrEnum):
    WECOM = "wecom"
    DINGTALK = "dingtalk"
    FEISHU = "feishu"


@dataclass(frozen=True)
class Mentions:
    """Whom to notify: IM user ids, mobile numbers, or everyone in the group."""

    user_ids: tuple[str, ...] = ()
    mobiles: tuple[str, ...] = ()
    everyone: bool = False

    def __bool__(self) -> bool:
        return bool(self.user_ids or self.mobiles or self.everyone)


@dataclass(frozen=True)
class RobotMessage:
    """One alert as markdown (the robots' richest common format) with a plain-text title.

    `markdown` uses only what all three render: headings, **bold**, [links](url), > quotes and
    line breaks."""

    title: str
    markdown: str
    mentions: Mentions = field(default_factory=Mentions)


@dataclass(frozen=True)
class RobotConfig:
    """A robot as stored: its webhook URL (holding the key, token or hook id), its signing
    secret when the IM's signing is on, and a keyword when the robot's security asks for one."""

    kind: RobotKind
    webhook_url: str
    secret: str = ""
    keyword: str = ""


class RobotError(Exception):
    """The robot did not take the message. `code` is the IM's own error code ("" for transport
    failures), `retryable` says whether sending the same message later can succeed."""

    retryable = True

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class RobotRateLimited(RobotError):
    """Over the robot's rate limit: hold this robot for `retry_after` seconds."""

    def __init__(self, message: str, *, code: str = "", retry_after: float = 60.0) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class RobotMisconfigured(RobotError):
    """Wrong key or token, a bad signature, a missing keyword, an IP not allowed, a robot
    removed: nothing will pass until an admin fixes the robot."""

    retryable = False


class RobotRejected(RobotError):
    """The IM refused this message itself (too long, unknown type): resending it cannot pass."""

    retryable = False
