"""The shared half of the transports: one POST, the JSON answer parsed, errors classified.

HTTP 200 does not mean delivered: every IM answers business errors with 200 and a code in the
body, so the body is always read and anything but the success code is a failure."""

import json
from urllib.parse import urlsplit

import requests

from integrations.robots.types import RobotConfig, RobotError, RobotMessage
from shopee_cs import http

TIMEOUT = (3.05, 10)  # connect, read
MAX_ERROR_TEXT = 300


def redacted(url: str) -> str:
    """The webhook URL without its query (the key or token): safe for logs and errors."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def utf8_cut(text: str, limit: int, marker: str = "\n…") -> str:
    """`text` cut to at most `limit` UTF-8 bytes (a CJK character is 3), marker included."""
    data = text.encode()
    if len(data) <= limit:
        return text
    budget = limit - len(marker.encode())
    return data[:budget].decode(errors="ignore") + marker


def post_json(url: str, body: dict) -> dict:
    """POST `body`; the answer's JSON object. RobotError (retryable) on a network failure, a
    5xx or an answer that is not a JSON object, naming the robot without its secret."""
    try:
        response = http.request(
            "POST",
            url,
            data=json.dumps(body, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json;charset=utf-8"},
            timeout=TIMEOUT,
        )
    except requests.RequestException as exc:
        raise RobotError(f"{redacted(url)} could not be reached: {type(exc).__name__}.") from exc
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise RobotError(
            f"{redacted(url)} answered HTTP {response.status_code} without a JSON object: "
            f"{response.text[:MAX_ERROR_TEXT]!r}"
        )
    return answer


class RobotTransport:
    """One IM's robot. Subclasses build the request and classify the answer."""

    def __init__(self, config: RobotConfig) -> None:
        self.config = config

    def send(self, message: RobotMessage, *, now: float | None = None) -> None:
        """Deliver or raise a RobotError subclass; `now` (epoch seconds) signs the request."""
        raise NotImplementedError
