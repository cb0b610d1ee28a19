"""WeCom (企业微信) group robot: `POST .../cgi-bin/webhook/send?key=KEY`, no signing.

Markdown mentions only by user id (`<@userid>` in the content); mobiles and @all need the text
type, so a message mentioning them goes as text with the mention lists."""

import re

from integrations.robots.base import RobotTransport, post_json, redacted, utf8_cut
from integrations.robots.types import (
    RobotError,
    RobotMessage,
    RobotMisconfigured,
    RobotRateLimited,
    RobotRejected,
)

TEXT_LIMIT = 2048  # UTF-8 bytes of text.content
MARKDOWN_LIMIT = 4096  # of markdown.content
RATE_LIMITED = {45009}
MISCONFIGURED = {93000}
REJECTED = {44004, 40008, 40058}
RATE_WINDOW_SECONDS = 60.0

_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")


def plain_text(markdown: str) -> str:
    """The markdown as the text type shows it: no emphasis marks, links as 'text (url)'."""
    text = _LINK.sub(r"\1 (\2)", markdown).replace("**", "")
    return re.sub(r"^(#+|>) ?", "", text, flags=re.MULTILINE)


def request_body(message: RobotMessage) -> dict:
    mentions = message.mentions
    if mentions.mobiles or mentions.everyone:
        content = utf8_cut(f"{message.title}\n{plain_text(message.markdown)}", TEXT_LIMIT)
        return {
            "msgtype": "text",
            "text": {
                "content": content,
                "mentioned_list": [*mentions.user_ids, *(["@all"] if mentions.everyone else [])],
                "mentioned_mobile_list": list(mentions.mobiles),
            },
        }
    tags = "".join(f"<@{user_id}>" for user_id in mentions.user_ids)
    tail = f"\n{tags}" if tags else ""
    body = utf8_cut(f"**{message.title}**\n{message.markdown}", MARKDOWN_LIMIT - len(tail.encode()))
    return {"msgtype": "markdown", "markdown": {"content": body + tail}}


def raise_for_answer(url: str, answer: dict) -> None:
    code = answer.get("errcode")
    if code == 0:
        return
    text = f"{redacted(url)}: WeCom error {code}: {answer.get('errmsg', '')}"
    if code in RATE_LIMITED:
        raise RobotRateLimited(text, code=str(code), retry_after=RATE_WINDOW_SECONDS)
    if code in MISCONFIGURED:
        raise RobotMisconfigured(
            text + " (check the robot's key: paste the whole webhook URL of a robot that is "
            "still in the group)",
            code=str(code),
        )
    if code in REJECTED:
        raise RobotRejected(text, code=str(code))
    raise RobotError(text, code=str(code))


class WecomTransport(RobotTransport):
    def send(self, message: RobotMessage, *, now: float | None = None) -> None:
        url = self.config.webhook_url
        raise_for_answer(url, post_json(url, request_body(message)))
