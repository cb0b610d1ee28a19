"""HTTP front of the simulator (stdlib ThreadingHTTPServer): /api/v2, the authorize page and the
/__sim__/ control endpoints. Also the in-process starter used by tests."""

from __future__ import annotations

import contextlib
import html
import json
import logging
import socket
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from integrations.shopee.simulator import api, traffic
from integrations.shopee.simulator.core import SimConfig, SimError, SimShop, Simulator

logger = logging.getLogger(__name__)
AUTH_PATH = "/api/v2/shop/auth_partner"


class SimHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, sim: Simulator) -> None:
        self.sim = sim
        self.traffic = traffic.TrafficGenerator(sim)
        super().__init__(addr, SimHandler)


class SimHandler(BaseHTTPRequestHandler):
    server: SimHTTPServer
    server_version = "ShopeeSimulator/1.0"
    # Keep-alive, as the real API: clients reuse one connection instead of one per call.
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.client_address[0], *args)

    def date_time_string(self, timestamp: float | None = None) -> str:
        # The Date header follows the simulated clock so client skew checks can be exercised.
        return formatdate(self.server.sim.now() if timestamp is None else timestamp, usegmt=True)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            ctype = "text/html; charset=utf-8" if isinstance(body, bytes) else "application/json"
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(raw)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(raw)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. after an injected timeout)

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        sim = self.server.sim
        if url.path.startswith("/__sim__/"):
            try:
                status, body = control(self.server, method, url.path, query, raw)
            except (ValueError, KeyError, TypeError, SimError) as exc:
                status, body = 400, {"error": type(exc).__name__, "message": str(exc)}
            return self._send(status, body)
        if url.path == AUTH_PATH and method == "GET":
            return self._authorize(query)
        with sim.lock:
            sim.calls[url.path] += 1
        fault = sim.faults.draw(url.path) if url.path.startswith("/api/v2/") else None
        if fault is None and url.path.startswith("/api/v2/"):
            fault = 429 if sim.faults.throttled(query.get("shop_id", "")) else None
        if isinstance(fault, int) and fault != 200:
            key = "rate_limit" if fault == 429 else "server"
            _, body = api.envelope(sim, url.path, error=SimError(key))
            ra = sim.faults.retry_after
            extra = {"Retry-After": str(int(ra))} if fault == 429 and ra is not None else None
            return self._send(fault, body, extra)
        delay = sim.faults.delay(url.path) if url.path.startswith("/api/v2/") else 0.0
        if delay:
            time.sleep(delay)  # a slow marketplace: the caller waits, then gets its answer
        status, body = api.handle(sim, method, url.path, query, raw, self.headers)
        if fault == "timeout":
            time.sleep(sim.faults.timeout_seconds)  # processed, but answered too late
        elif fault == "drop":
            # Processed (e.g. the message is recorded), then the socket closes with no answer.
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
            return
        self._send(status, body)

    def _authorize(self, q: dict[str, str]) -> None:
        """Shopee's login-and-consent page, reduced to a choice of shop or main account."""
        sim = self.server.sim
        try:
            api.authenticate(sim, AUTH_PATH, q, public=True)
        except SimError as err:
            return self._send(err.status, {"error": err.code, "message": err.message})
        redirect = q.get("redirect", "")
        if not redirect:
            return self._send(400, {"error": "error_param", "message": "no redirect"})
        if q.get("shop_id") or q.get("main_account_id"):
            if q.get("main_account_id"):
                code = sim.create_code(main_account_id=q["main_account_id"])
                extra = {"code": code, "main_account_id": q["main_account_id"]}
            else:
                code = sim.create_code(shop_id=q["shop_id"])
                extra = {"code": code, "shop_id": q["shop_id"]}
            sep = "&" if "?" in redirect else "?"
            return self._send(302, b"", {"Location": redirect + sep + urlencode(extra)})
        links = []
        for s in sim.shops.values():
            href = self.path + "&" + urlencode({"shop_id": s.shop_id})
            label = f"{s.name} ({s.region}, {s.shop_id})"
            links.append(f'<li><a href="{html.escape(href)}">{html.escape(label)}</a></li>')
        for acc in sorted({s.main_account_id for s in sim.shops.values() if s.main_account_id}):
            href = self.path + "&" + urlencode({"main_account_id": acc})
            links.append(
                f'<li><a href="{html.escape(href)}">Main account {html.escape(acc)}</a></li>'
            )
        title = f"Shopee simulator: authorize partner {sim.config.partner_id}"
        page = f"<html><body><h1>{title}</h1><ul>{''.join(links)}</ul></body></html>"
        self._send(200, page.encode())


def _json(raw: bytes) -> dict[str, Any]:
    return json.loads(raw) if raw.strip() else {}


def control(server: SimHTTPServer, method: str, path: str, q: dict, raw: bytes) -> tuple[int, Any]:
    sim, name = server.sim, path[len("/__sim__/") :].strip("/")
    body = _json(raw) if method == "POST" else {}
    if name == "stats":
        return 200, dict(sim.snapshot_stats(), traffic_running=server.traffic.running)
    if name == "faults":
        return 200, sim.faults.configure(**body) if method == "POST" else sim.faults.snapshot()
    if name == "faults/script" and method == "POST":
        sim.faults.script(body["path"], list(body["outcomes"]))
        return 200, sim.faults.snapshot()
    if name == "faults/reset" and method == "POST":
        sim.faults.reset()
        return 200, sim.faults.snapshot()
    if name == "clock" and method == "POST":
        return 200, {
            "clock_offset": sim.advance_clock(float(body.get("advance", 0))),
            "now": sim.now(),
        }
    if name == "config" and method == "POST":
        allowed = {
            "callback_url",
            "access_ttl",
            "refresh_ttl",
            "success_error_value",
            "push_timeout",
        }
        for k, v in body.items():
            if k not in allowed:
                raise ValueError(f"unknown config key {k!r}")
            setattr(sim.config, k, v)
        return 200, {k: getattr(sim.config, k) for k in allowed}
    if name == "shops":
        if method == "POST":
            sim.add_shop(
                str(body["shop_id"]),
                body["region"],
                body.get("name", ""),
                body.get("main_account_id"),
            )
        return 200, [vars(s) for s in sim.shops.values()]
    if name == "authorize" and method == "POST":
        code = sim.create_code(
            shop_id=body.get("shop_id"), main_account_id=body.get("main_account_id")
        )
        return 200, {
            "code": code,
            **{k: body[k] for k in ("shop_id", "main_account_id") if k in body},
        }
    if name == "tokens/revoke" and method == "POST":
        return 200, sim.revoke_tokens(str(body["shop_id"]), refresh=bool(body.get("refresh")))
    if name == "tokens" and method == "POST":
        return 200, dict(sim.issue_tokens(str(body["shop_id"])), shop_id=str(body["shop_id"]))
    if name == "events" and method == "POST":
        return 200, {"result": _jsonable(traffic.apply_event(sim, body))}
    if name == "scenario" and method == "POST":
        res = traffic.run_scenario(sim, body["events"], realtime=bool(body.get("realtime")))
        return 200, {"applied": len(res)}
    if name == "traffic" and method == "POST":
        server.traffic.configure(rate=body.get("rate"), mix=body.get("mix"))
        if body.get("running") is True:
            server.traffic.start()
        elif body.get("running") is False:
            server.traffic.stop()
        return 200, {
            "running": server.traffic.running,
            "rate": server.traffic.rate,
            "mix": server.traffic.mix,
        }
    if name == "reset" and method == "POST":
        sim.faults.reset()
        sim.reset_world()
        return 200, {"ok": True}
    return 404, {"error": "unknown control endpoint", "path": path}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if not k.startswith("_")}
    return value


@dataclass
class SimulatorHandle:
    """A running simulator: ``base_url`` for clients, ``sim`` for state and knobs."""

    base_url: str
    sim: Simulator
    server: SimHTTPServer
    thread: threading.Thread

    @property
    def traffic(self) -> traffic.TrafficGenerator:
        return self.server.traffic

    def stop(self) -> None:
        self.server.traffic.stop()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def __enter__(self) -> SimulatorHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_simulator(
    config: SimConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> SimulatorHandle:
    """Start in a background thread (port 0 = ephemeral). Returns the handle; call ``stop()``."""
    sim = Simulator(config)
    server = SimHTTPServer((host, port), sim)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="shopee-sim", daemon=True
    )
    thread.start()
    bound_host, bound_port = server.server_address[:2]
    return SimulatorHandle(f"http://{bound_host}:{bound_port}", sim, server, thread)


def serve(
    *,
    host: str = "127.0.0.1",
    port: int = 8600,
    config: SimConfig | None = None,
    traffic_rate: float | None = None,
    scenario: list[dict[str, Any]] | None = None,
    preauthorize: bool = False,
    out=None,
) -> None:
    """Run in the foreground until interrupted (the management command calls this)."""
    handle = start_simulator(config, host=host, port=port)
    write = out or print
    write(f"Shopee simulator on {handle.base_url} (partner_id={handle.sim.config.partner_id})")
    for s in handle.sim.shops.values():
        write(f"  shop {s.shop_id} {s.region} {s.name}")
    if preauthorize:
        for s in handle.sim.shops.values():
            t = handle.sim.issue_tokens(s.shop_id)
            write(f"  tokens {s.shop_id}: access={t['access_token']} refresh={t['refresh_token']}")
    if scenario:
        threading.Thread(
            target=traffic.run_scenario,
            args=(handle.sim, scenario),
            kwargs={"realtime": True},
            daemon=True,
        ).start()
    if traffic_rate:
        handle.traffic.configure(rate=traffic_rate)
        handle.traffic.start()
    try:
        handle.thread.join()
    except KeyboardInterrupt:
        pass
    finally:
        handle.stop()


def parse_shops(spec: str) -> list[SimShop]:
    """``"100001:MY,100002:TH"`` -> shops (ids stay strings)."""
    shops = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        sid, _, region = part.partition(":")
        shops.append(SimShop(sid.strip(), (region or "SG").strip().upper()))
    return shops
