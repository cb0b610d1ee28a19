"""Group robots: stored with their secrets encrypted, checked at save time, tried from the admin.

A robot is called only outside any transaction (a slow IM must not hold a lock)."""

import ipaddress
import socket
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.models import Robot
from integrations.robots import (
    Mentions,
    RobotConfig,
    RobotError,
    RobotKind,
    RobotMessage,
    redacted,
    robot_transport,
)
from shopee_cs.crypto import decrypt, encrypt

# What each IM's webhook URL must carry (the robot's only credential, or its id).
_CREDENTIAL_IN_URL = {
    RobotKind.WECOM: ("query", "key"),
    RobotKind.DINGTALK: ("query", "access_token"),
    RobotKind.FEISHU: ("path", "/open-apis/bot/v2/hook/"),
}


def _private(host: str) -> bool:
    """Whether the host is, or resolves to, a loopback, private, link-local or reserved address.
    A name that does not resolve here is not refused (the server may resolve it later)."""
    try:
        addresses = {ipaddress.ip_address(host.strip("[]"))}
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, None)
        except (socket.gaierror, UnicodeError):
            return False
        addresses = {ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}
    return any(
        a.is_private or a.is_loopback or a.is_link_local or a.is_reserved or a.is_unspecified
        for a in addresses
    )


def robot_url_check(kind: str, url: str) -> str:
    """The webhook URL, stripped, or ValidationError saying what is wrong with it."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationError(_("The webhook must be an http:// or https:// URL."), "scheme")
    if not settings.ALERTS_ROBOT_PRIVATE_URLS and _private(parts.hostname):
        raise ValidationError(
            _(
                "%(host)s is a private or loopback address; robots must be on the internet "
                "(set ALERTS_ROBOT_PRIVATE_URLS=true to allow it)."
            )
            % {"host": parts.hostname},
            "private",
        )
    where, name = _CREDENTIAL_IN_URL[RobotKind(kind)]
    found = (
        (parse_qs(parts.query).get(name) or [""])[0].strip()
        if where == "query"
        else parts.path.partition(name)[2].strip("/")
        if name in parts.path
        else ""
    )
    if not found:
        raise ValidationError(
            _("Paste the robot's whole webhook URL: it must contain %(part)s.")
            % {"part": f"{name}=…" if where == "query" else f"{name}…"},
            "credential",
        )
    return url


def robot_secret_check(kind: str, secret: str) -> str:
    secret = secret.strip()
    if secret and kind == RobotKind.WECOM:
        raise ValidationError(_("WeCom robots have no signing secret; leave it empty."), "secret")
    if secret and kind == RobotKind.DINGTALK and not secret.startswith("SEC"):
        raise ValidationError(
            _(
                "A DingTalk signing secret starts with SEC (copy it from 加签 in the robot's "
                "security settings)."
            ),
            "secret",
        )
    return secret


def robot_save(*, robot: Robot, webhook_url: str | None = None, secret: str | None = None) -> Robot:
    """Save the robot; `webhook_url`/`secret` None keep the stored ones, "" clears the secret.
    ValidationError (nothing saved) when the URL or the secret does not fit the IM."""
    if webhook_url is not None:
        url = robot_url_check(robot.kind, webhook_url)
        robot.webhook_url_encrypted = encrypt(url)
        robot.webhook_host = redacted(url)
    elif not robot.webhook_url_encrypted:
        raise ValidationError(_("A robot needs its webhook URL."), "required")
    else:
        robot_url_check(robot.kind, robot_config(robot).webhook_url)  # the IM may have changed
    if secret is not None:
        robot.secret_encrypted = encrypt(robot_secret_check(robot.kind, secret)) if secret else ""
    robot.save()
    return robot


def robot_config(robot: Robot) -> RobotConfig:
    return RobotConfig(
        kind=RobotKind(robot.kind),
        webhook_url=decrypt(robot.webhook_url_encrypted),
        secret=decrypt(robot.secret_encrypted) if robot.secret_encrypted else "",
        keyword=robot.keyword,
    )


def robot_outcome_record(robot: Robot, error: RobotError | None) -> None:
    now = timezone.now()
    if error is None:
        Robot.objects.filter(pk=robot.pk).update(last_success_at=now)
    else:
        Robot.objects.filter(pk=robot.pk).update(last_error=str(error), last_error_at=now)


def robot_test_send(*, robot: Robot, actor) -> RobotError | None:
    """Send a test message now; the error (None when delivered) is recorded on the robot."""
    who = actor.get_full_name() or actor.get_username()
    message = RobotMessage(
        title=_("Test message from the customer-service system"),
        markdown=_(
            "**%(robot)s** is set up: alerts for %(group)s will arrive here (sent by %(who)s)."
        )
        % {"robot": robot.name, "group": robot.group.name, "who": who},
        mentions=Mentions(),
    )
    try:
        robot_transport(robot_config(robot)).send(message)
    except RobotError as exc:
        robot_outcome_record(robot, exc)
        return exc
    robot_outcome_record(robot, None)
    return None
