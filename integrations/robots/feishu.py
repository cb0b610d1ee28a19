"""Feishu / Lark (飞书) custom bot: `POST .../open-apis/bot/v2/hook/HOOK_ID`, signed in the
body (`timestamp` in s, `sign` = base64 HMAC-SHA256 keyed by "timestamp\\nsecret" over nothing).

Markdown only exists inside a card, so alerts go as an interactive card with a lark_md block.
Mentions are by open_id or user id; Feishu bots cannot mention by mobile number."""

import base64
import hashlib
import hmac
import time

from integrations.robots.base import RobotTransport, post_json, redacted, utf8_cut
from integrations.robots.types import (
    RobotError,
    RobotMessage,
    RobotMisconfigured,
    RobotRateLimited,
    RobotRejected,
)

MARKDOWN_LIMIT = 18000  # bytes; the whole body must stay under 20 KB
RATE_LIMITED = {11232}
MISCONFIGURED = {19001, 19021, 19022, 19024}
_RATE_WORDS = ("too many", "frequency")


def sign(secret: str, timestamp_s: int) -> str:
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def request_body(
    message: RobotMessage, *, secret: str = "", keyword: str = "", now: float | None = None
) -> dict:
    mentions = message.mentions
    title = message.title
    if keyword and keyword not in title:
        title = f"{keyword} {title}"
    tags = "".join(f"<at id={who}></at>" for who in mentions.user_ids)
    if mentions.everyone:
        tags += "<at id=all></at>"
    tail = f"\n{tags}" if tags else ""
    content = utf8_cut(message.markdown, MARKDOWN_LIMIT - len(tail.encode())) + tail
    body: dict = {
        "msg_type": "interactive",
        "card": {
            "header": {"title": {"tag": "plain_text", "content": title}},
            "elements": [{"tag": "div", "text": {"tag": "lark_md", "content": content}}],
        },
    }
    if secret:
        timestamp_s = int(time.time() if now is None else now)
        body = {"timestamp": str(timestamp_s), "sign": sign(secret, timestamp_s), **body}
    return body


def raise_for_answer(url: str, answer: dict) -> None:
    code = answer.get("code", answer.get("StatusCode"))
    if code == 0:
        return
    msg = str(answer.get("msg", ""))
    text = f"{redacted(url)}: Feishu error {code}: {msg}"
    if code in RATE_LIMITED or any(word in msg.lower() for word in _RATE_WORDS):
        raise RobotRateLimited(text, code=str(code), retry_after=60.0)
    if code in MISCONFIGURED:
        raise RobotMisconfigured(text, code=str(code))
    if code == 9499:
        raise RobotRejected(text, code=str(code))
    raise RobotError(text, code=str(code))


class FeishuTransport(RobotTransport):
    def send(self, message: RobotMessage, *, now: float | None = None) -> None:
        url = self.config.webhook_url
        body = request_body(
            message, secret=self.config.secret, keyword=self.config.keyword, now=now
        )
        raise_for_answer(url, post_json(url, body))
