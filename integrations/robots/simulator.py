"""A loopback stand-in for the three IMs' robot webhooks, enforcing what the real ones do:
credentials, DingTalk's and Feishu's signatures and timestamps, keywords, size limits and rate
limits (WeCom 20/min; DingTalk 20/min then 10 minutes throttled; Feishu 5/s and 100/min).

Every accepted message is kept, with its mentions, for the page at `/` (what a team would have
seen in its group) and for tests at `GET /_sim/messages`. `POST /_sim/faults` makes it answer
rate-limit errors or be down; `clock` is injectable so the 1-hour and 10-minute windows can be
tested without waiting."""

import base64
import hashlib
import hmac
import html
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from integrations.robots.types import RobotKind

MAX_BODY = 64 * 1024


@dataclass
class SimRobot:
    kind: RobotKind
    credential: str  # WeCom key, DingTalk access_token or Feishu hook id
    secret: str = ""
    keywords: tuple[str, ...] = ()
    name: str = ""


@dataclass
class Accepted:
    kind: str
    credential: str
    at: float
    body: dict
    text: str  # everything a reader sees, for tests to search
    mentions: list[str]


@dataclass
class RobotSimulator:
    clock: Callable[[], float] = time.time
    robots: dict[tuple[str, str], SimRobot] = field(default_factory=dict)
    accepted: list[Accepted] = field(default_factory=list)
    down: bool = False
    rate_limit_all: bool = False
    _sends: dict[tuple[str, str], deque] = field(default_factory=dict)
    _throttled_until: dict[tuple[str, str], float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, robot: SimRobot) -> SimRobot:
        self.robots[(robot.kind.value, robot.credential)] = robot
        return robot

    # -- one request ------------------------------------------------------------------------
    def handle(self, path: str, query: dict[str, str], raw: bytes) -> tuple[int, dict]:
        if path == "/cgi-bin/webhook/send":
            return 200, self._wecom(query.get("key", ""), raw)
        if path == "/robot/send":
            return self._dingtalk(query, raw)
        if path.startswith("/open-apis/bot/v2/hook/"):
            return self._feishu(path.rsplit("/", 1)[-1], raw)
        return 404, {"errcode": 404, "errmsg": "not found"}

    def _rate_ok(self, key: tuple[str, str], *, per_minute: int, per_second: int | None = None):
        now = self.clock()
        sends = self._sends.setdefault(key, deque())
        while sends and sends[0] <= now - 60:
            sends.popleft()
        if self.rate_limit_all or len(sends) >= per_minute:
            return False
        if per_second is not None and sum(1 for t in sends if t > now - 1) >= per_second:
            return False
        sends.append(now)
        return True

    def _keep(self, robot: SimRobot, body: dict, text: str, mentions: list[str]) -> None:
        self.accepted.append(
            Accepted(robot.kind.value, robot.credential, self.clock(), body, text, mentions)
        )

    def _wecom(self, key: str, raw: bytes) -> dict:
        robot = self.robots.get(("wecom", key))
        hint = ", hint: [sim], more info at https://open.work.weixin.qq.com/devtool/query"
        if robot is None:
            return {"errcode": 93000, "errmsg": "invalid webhook url" + hint}
        body = _json(raw)
        if body is None:
            return {"errcode": 40008, "errmsg": "invalid message type" + hint}
        msgtype = body.get("msgtype")
        if msgtype not in {"text", "markdown", "markdown_v2"}:
            return {"errcode": 40008, "errmsg": "invalid message type" + hint}
        part = body.get(msgtype) or {}
        content = part.get("content") if isinstance(part, dict) else None
        if not isinstance(content, str) or not content.strip():
            return {"errcode": 44004, "errmsg": "empty content" + hint}
        limit = 2048 if msgtype == "text" else 4096
        if len(content.encode()) > limit:
            return {
                "errcode": 40058,
                "errmsg": f"{msgtype}.content exceed max length {limit}" + hint,
            }
        if not self._rate_ok(("wecom", key), per_minute=20):
            return {"errcode": 45009, "errmsg": "api freq out of limit" + hint}
        mentions = [f"@{m.lstrip('@')}" for m in part.get("mentioned_list") or []]
        mentions += [f"@{m}" for m in part.get("mentioned_mobile_list") or []]
        mentions += [f"@{m}" for m in _between(content, "<@", ">")]
        self._keep(robot, body, content, mentions)
        return {"errcode": 0, "errmsg": "ok"}

    def _dingtalk(self, query: dict[str, str], raw: bytes) -> tuple[int, dict]:
        token = query.get("access_token", "")
        if not token:
            return 200, {"errcode": 40035, "errmsg": "缺少参数 access_token"}
        robot = self.robots.get(("dingtalk", token))
        if robot is None:
            return 200, {"errcode": 300005, "errmsg": "token is not exist"}
        if robot.secret:
            stamp = query.get("timestamp", "")
            if not stamp.isdigit() or abs(self.clock() * 1000 - int(stamp)) > 3_600_000:
                return 200, {"errcode": 310000, "errmsg": "invalid timestamp"}
            digest = hmac.new(
                robot.secret.encode(), f"{stamp}\n{robot.secret}".encode(), hashlib.sha256
            ).digest()
            if not hmac.compare_digest(base64.b64encode(digest).decode(), query.get("sign", "")):
                return 200, {"errcode": 310000, "errmsg": "sign not match, more: [sim]"}
        key = ("dingtalk", token)
        if self._throttled_until.get(key, 0) > self.clock():
            return 200, _dingtalk_too_fast()
        if len(raw) > 20000:
            return 200, {"errcode": 460101, "errmsg": "message too long, exceed 20000 bytes"}
        body = _json(raw)
        if body is None or body.get("msgtype") not in {"text", "markdown"}:
            return 200, {"errcode": 400105, "errmsg": "不支持的消息类型"}
        part = body.get(body["msgtype"]) or {}
        text = " ".join(str(part.get(k, "")) for k in ("title", "text", "content"))
        if robot.keywords and not any(word in text for word in robot.keywords):
            return 200, {"errcode": 310000, "errmsg": "keywords not in content"}
        if not self._rate_ok(key, per_minute=20):
            self._throttled_until[key] = self.clock() + 600
            return 200, _dingtalk_too_fast()
        at = body.get("at") or {}
        mentions = [f"@{m}" for m in (at.get("atMobiles") or []) + (at.get("atUserIds") or [])]
        if at.get("isAtAll"):
            mentions.append("@all")
        self._keep(robot, body, text, mentions)
        return 200, {"errcode": 0, "errmsg": "ok"}

    def _feishu(self, hook: str, raw: bytes) -> tuple[int, dict]:
        robot = self.robots.get(("feishu", hook))
        if robot is None:
            return 200, {
                "code": 19001,
                "msg": "param invalid: incoming webhook access token invalid",
                "data": {},
            }
        body = _json(raw)
        if body is None or len(raw) > 20000:
            return 400, {"code": 9499, "msg": "Bad Request", "data": {}}
        if robot.secret:
            stamp = str(body.get("timestamp", ""))
            expected = ""
            if stamp.isdigit():
                key = f"{stamp}\n{robot.secret}".encode()
                expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
            if (
                not stamp.isdigit()
                or abs(self.clock() - int(stamp)) > 3600
                or not hmac.compare_digest(expected, str(body.get("sign", "")))
            ):
                return 200, {
                    "code": 19021,
                    "msg": "sign match fail or timestamp is not within one hour from current time",
                    "data": {},
                }
        if body.get("msg_type") not in {"text", "post", "interactive"}:
            return 400, {"code": 9499, "msg": "Bad Request", "data": {}}
        text = _texts(body.get("card") or body.get("content") or {})
        if robot.keywords and not any(word in text for word in robot.keywords):
            return 200, {"code": 19024, "msg": "Key Words Not Found", "data": {}}
        if not self._rate_ok(("feishu", hook), per_minute=100, per_second=5):
            return 200, {"code": 11232, "msg": "frequency limited psm[sim]appID[1500]", "data": {}}
        mentions = [f"@{m}" for m in _between(text, "<at id=", "></at>")]
        self._keep(robot, body, text, mentions)
        return 200, {
            "StatusCode": 0,
            "StatusMessage": "success",
            "code": 0,
            "data": {},
            "msg": "success",
        }

    # -- what the page and the tests read -------------------------------------------------
    def messages(self) -> list[dict[str, Any]]:
        return [
            {
                "kind": a.kind,
                "robot": self.robots[(a.kind, a.credential)].name or a.credential[:8],
                "at": a.at,
                "text": a.text,
                "mentions": a.mentions,
                "body": a.body,
            }
            for a in self.accepted
        ]


def _dingtalk_too_fast() -> dict:
    return {
        "status": 1111,
        "wait": 5,
        "punish": "deny",
        "errcode": 130101,
        "errmsg": "send too fast, exceed 20 times per minute",
    }


def _json(raw: bytes) -> dict | None:
    try:
        value = json.loads(raw.decode())
    except (UnicodeDecodeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _between(text: str, start: str, end: str) -> list[str]:
    found, at = [], 0
    while (i := text.find(start, at)) >= 0 and (j := text.find(end, i + len(start))) >= 0:
        found.append(text[i + len(start) : j])
        at = j + len(end)
    return found


def _texts(value: Any) -> str:
    """Every text-like value of a card or post (where the keyword check looks)."""
    if isinstance(value, dict):
        return " ".join(
            _texts(v) if not isinstance(v, str) or k in {"content", "text", "title"} else ""
            for k, v in value.items()
        ).strip()
    if isinstance(value, list):
        return " ".join(_texts(v) for v in value).strip()
    return value if isinstance(value, str) else ""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, addr, sim: RobotSimulator) -> None:
        super().__init__(addr, _Handler)
        self.sim = sim


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the page shows traffic
        pass

    def _reply(self, status: int, body: Any, content_type="application/json") -> None:
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        sim = self.server.sim
        path = urlsplit(self.path).path
        if path == "/_sim/messages":
            with sim.lock:
                self._reply(200, sim.messages())
        elif path == "/":
            with sim.lock:
                page = _page(sim.messages())
            self._reply(200, page.encode(), "text/html; charset=utf-8")
        else:
            self._reply(404, {"error": "not found"})

    def do_POST(self) -> None:
        sim = self.server.sim
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        length = min(int(self.headers.get("Content-Length") or 0), MAX_BODY)
        raw = self.rfile.read(length)
        if parts.path == "/_sim/faults":
            faults = _json(raw) or {}
            with sim.lock:
                sim.down = bool(faults.get("down", sim.down))
                sim.rate_limit_all = bool(faults.get("rate_limit_all", sim.rate_limit_all))
            self._reply(200, {"down": sim.down, "rate_limit_all": sim.rate_limit_all})
            return
        if sim.down:
            self._reply(503, b"<html>503 Service Temporarily Unavailable</html>", "text/html")
            return
        with sim.lock:
            status, body = sim.handle(parts.path, query, raw)
        self._reply(status, body)


def _page(messages: list[dict[str, Any]]) -> str:
    rows = "".join(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td><pre>{}</pre></td><td>{}</td></tr>".format(
            time.strftime("%H:%M:%S", time.localtime(m["at"])),
            html.escape(m["kind"]),
            html.escape(m["robot"]),
            html.escape(m["text"]),
            html.escape(" ".join(m["mentions"])),
        )
        for m in reversed(messages)
    )
    return (
        "<!doctype html><meta charset=utf-8><meta http-equiv=refresh content=5>"
        "<title>Robot simulator</title><h1>Messages the group robots received</h1>"
        f"<p>{len(messages)} message(s), newest first.</p><table border=1 cellpadding=4>"
        "<tr><th>time</th><th>IM</th><th>robot</th><th>text</th><th>mentions</th></tr>"
        f"{rows}</table>"
    )


@dataclass
class RobotSimulatorHandle:
    base_url: str
    sim: RobotSimulator
    server: _Server
    thread: threading.Thread

    def webhook_url(self, robot: SimRobot) -> str:
        if robot.kind == RobotKind.WECOM:
            return f"{self.base_url}/cgi-bin/webhook/send?key={robot.credential}"
        if robot.kind == RobotKind.DINGTALK:
            return f"{self.base_url}/robot/send?access_token={robot.credential}"
        return f"{self.base_url}/open-apis/bot/v2/hook/{robot.credential}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> "RobotSimulatorHandle":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_robot_simulator(
    sim: RobotSimulator | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> RobotSimulatorHandle:
    """Serve in a background thread (port 0 = ephemeral); call `stop()` when done."""
    sim = sim or RobotSimulator()
    server = _Server((host, port), sim)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="robot-sim", daemon=True
    )
    thread.start()
    bound_host, bound_port = server.server_address[:2]
    return RobotSimulatorHandle(f"http://{bound_host}:{bound_port}", sim, server, thread)
