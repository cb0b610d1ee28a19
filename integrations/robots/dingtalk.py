"""DingTalk (钉钉) custom robot: `POST .../robot/send?access_token=TOKEN`, signed in the query
(`timestamp` in ms, `sign` = base64 HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret).

Mentions must also be written in the text; a robot whose security is a keyword gets it in the
title and the text."""

import base64
import hashlib
import hmac
import time
from urllib.parse import quote_plus

from integrations.robots.base import RobotTransport, post_json, redacted, utf8_cut
from integrations.robots.types import (
    RobotError,
    RobotMessage,
    RobotMisconfigured,
    RobotRateLimited,
    RobotRejected,
)

BODY_TEXT_LIMIT = 18000  # bytes of markdown.text; the whole body must stay under 20000
THROTTLE_SECONDS = 600.0  # over 20 a minute, the robot is held for 10 minutes
RATE_LIMITED = {130101, 410100}
MISCONFIGURED = {310000, 300001, 300005, 400101, 400102, 400013, 400106, 40035, 43002, 43004}
REJECTED = {460101, 101002, 400105, 430101, 430102, 430103, 430104}
_RATE_WORDS = ("too fast", "限流", "exceed")


def sign(secret: str, timestamp_ms: int) -> str:
    """The `sign` query value, URL-encoded once."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return quote_plus(base64.b64encode(digest).decode())


def signed_url(webhook_url: str, secret: str, *, now: float | None = None) -> str:
    """The URL of one request: the stored one plus a fresh timestamp and sign (never stored)."""
    if not secret:
        return webhook_url
    timestamp_ms = int((time.time() if now is None else now) * 1000)
    return f"{webhook_url}&timestamp={timestamp_ms}&sign={sign(secret, timestamp_ms)}"


def request_body(message: RobotMessage, *, keyword: str = "") -> dict:
    mentions = message.mentions
    title = message.title
    if keyword and keyword not in title:
        title = f"{keyword} {title}"
    tags = " ".join(f"@{who}" for who in (*mentions.mobiles, *mentions.user_ids))
    tail = f"\n\n{tags}" if tags else ""
    text = utf8_cut(f"### {title}\n{message.markdown}", BODY_TEXT_LIMIT - len(tail.encode()))
    return {
        "msgtype": "markdown",
        "markdown": {"title": title, "text": text + tail},
        "at": {
            "atMobiles": list(mentions.mobiles),
            "atUserIds": list(mentions.user_ids),
            "isAtAll": mentions.everyone,
        },
    }


def raise_for_answer(url: str, answer: dict) -> None:
    code = answer.get("errcode")
    if code == 0:
        return
    errmsg = str(answer.get("errmsg", ""))
    text = f"{redacted(url)}: DingTalk error {code}: {errmsg}"
    if code in RATE_LIMITED or any(word in errmsg for word in _RATE_WORDS):
        raise RobotRateLimited(text, code=str(code), retry_after=THROTTLE_SECONDS)
    if code in MISCONFIGURED:
        hint = ""
        if "sign" in errmsg:
            hint = " (the signing secret is wrong: copy the SEC… value shown under 加签)"
        elif "timestamp" in errmsg:
            hint = " (this server's clock is more than an hour off: sync it)"
        elif "keyword" in errmsg:
            hint = " (the robot's security keyword is not the one configured here)"
        raise RobotMisconfigured(text + hint, code=str(code))
    if code in REJECTED:
        raise RobotRejected(text, code=str(code))
    raise RobotError(text, code=str(code))


class DingtalkTransport(RobotTransport):
    def send(self, message: RobotMessage, *, now: float | None = None) -> None:
        url = signed_url(self.config.webhook_url, self.config.secret, now=now)
        body = request_body(message, keyword=self.config.keyword)
        raise_for_answer(self.config.webhook_url, post_json(url, body))
