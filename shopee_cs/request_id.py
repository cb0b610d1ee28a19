"""A request id for every request: taken from a well-formed X-Request-ID or generated, echoed in
the response and attached to every log record written while the request runs, the access log
line included."""

import logging
import re
import time
import uuid
from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
_VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
access_logger = logging.getLogger("shopee_cs.access")


def request_id_from(supplied: str) -> str:
    """The upstream id (a load balancer's) when well formed, else a new one."""
    return supplied if _VALID.match(supplied) else uuid.uuid4().hex


class RequestIdMiddleware:
    """Django's side: the id the ASGI layer chose (RequestIdASGIMiddleware), or under WSGI and
    in the test client its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        scope = getattr(request, "scope", None) or {}
        rid = scope.get("request_id") or request_id_from(request.headers.get("X-Request-ID", ""))
        token = request_id_var.set(rid)
        request.request_id = rid
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = rid
        return response


class RequestIdASGIMiddleware:
    """The outermost HTTP layer under daphne: chooses the request's id before anything runs (the
    push route answers without Django), echoes it, and writes the access log line with it, its
    status, size and duration. daphne's own access log keeps the websocket lines
    (shopee_cs.serve)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        rid = request_id_from(headers.get(b"x-request-id", b"").decode("latin-1"))
        scope = {**scope, "request_id": rid}
        sent = {"status": None, "bytes": 0}
        started = time.perf_counter()

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                sent["status"] = message["status"]
                names = {name.lower() for name, _ in message.get("headers", ())}
                if b"x-request-id" not in names:
                    extra = [(b"x-request-id", rid.encode())]
                    message = {**message, "headers": [*message.get("headers", ()), *extra]}
            elif message["type"] == "http.response.body":
                sent["bytes"] += len(message.get("body", b""))
            await send(message)

        token = request_id_var.set(rid)
        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            sent["status"] = sent["status"] or 500  # what daphne answers for the failed app
            raise
        finally:
            _access_log(scope, sent["status"], sent["bytes"], time.perf_counter() - started)
            request_id_var.reset(token)


def _access_log(scope, status: int | None, size: int, seconds: float) -> None:
    client = scope.get("client")
    access_logger.info(
        "%s %s %s",
        scope.get("method", "-"),
        scope.get("path", ""),  # no query string: an OAuth callback's carries its code
        status or "-",  # "-": no response, the client left first
        extra={
            "client": f"{client[0]}:{client[1]}" if client else None,
            "status": status,
            "bytes": size,
            "duration_ms": round(seconds * 1000, 1),
        },
    )


class RequestIdLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True
