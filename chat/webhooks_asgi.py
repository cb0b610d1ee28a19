"""Marketplace pushes served straight from the ASGI server, ahead of Django's request handling.

A push needs nothing of what Django's ASGI handler does for staff pages: the middleware stack,
and a new thread for every request (asgiref's ThreadSensitiveContext), which together cost
daphne more than storing the push. Here the body is read with the same size rules, then
verified and stored by chat.webhooks.push_answer in a pooled thread, with the same answers.
Other methods and paths go on to Django.

As it is answered, a new push that carries everything its processing needs (a buyer's chat
message: no marketplace call) is processed here too, in order on one thread, behind at most a
few others and within a share of this process's CPU (PUSH_INLINE_CPU_SHARE), so the message
reaches the agents' sockets without the task queue's round trip. The thread's wall time counts
too: waiting (on the database, a lock) is time the pushes behind it wait as well, so none is
added behind a push that has stalled, nor once the thread was busy for most of the current
second. Any other push, a push beyond those bounds, or one whose processing fails goes to the
Celery queue as under WSGI; if the process dies first, the sweep enqueues it.
"""

import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.conf import settings

from chat.services.pipeline.inbound import inbound_event_process_here
from chat.webhooks import (
    PushAnswer,
    declared_length_refusal,
    push_answer,
    push_platform,
    too_large,
)
from shopee_cs.db import work_connections_end, work_connections_start
from shopee_cs.request_id import request_id_var


def _in_request(request_id: str, function, *args, **kwargs):
    token = request_id_var.set(request_id)
    work_connections_start()  # what Django's request_started/finished do for its requests
    try:
        return function(*args, **kwargs)
    finally:
        work_connections_end()
        request_id_var.reset(token)


def _answer_in_thread(request_id: str, platform: str, headers: dict, raw: bytes, enqueue: bool):
    return _in_request(request_id, push_answer, platform, headers, raw, enqueue=enqueue)


_answer = sync_to_async(_answer_in_thread, thread_sensitive=False)


class InlineProcessing:
    """Admits pushes for processing on this process's one processing thread while fewer than
    MAX_WAITING are there, and within the current second the thread used less than
    PUSH_INLINE_CPU_SHARE of a core (CPU time) and was busy less than BUSY_LIMIT of it (wall
    time), and the push it is on has run less than STALLED_AFTER (nothing more queues behind a
    stalled one). Used from the event loop, but for `_process`, which runs on the processing
    thread."""

    MAX_WAITING = 8  # a short wait on this thread still beats the task queue's round trip
    BUSY_LIMIT = 0.9  # of a second: beyond it the thread falls behind the pushes it admits
    STALLED_AFTER = 0.2  # seconds; a push takes a few milliseconds

    def __init__(self) -> None:
        self.waiting = 0
        self.window = 0.0
        self.used = 0.0  # CPU seconds in the current window
        self.busy = 0.0  # wall seconds in the current window
        self.running_since: float | None = None  # when the push in progress started
        self._executor: ThreadPoolExecutor | None = None

    def reserve(self) -> bool:
        now = time.monotonic()
        if now - self.window >= 1.0:
            self.window, self.used, self.busy = now, 0.0, 0.0
        share = settings.PUSH_INLINE_CPU_SHARE
        if self.waiting >= self.MAX_WAITING or share <= 0 or self.used >= share:
            return False
        running = self.running_since
        if self.busy >= self.BUSY_LIMIT or (
            running is not None and now - running >= self.STALLED_AFTER
        ):
            return False
        self.waiting += 1
        return True

    def _process(self, request_id: str, event_id: int) -> tuple[float, float]:
        """(CPU, wall) seconds the push took on this thread."""
        cpu, wall = time.thread_time(), time.monotonic()
        self.running_since = wall
        try:
            _in_request(request_id, inbound_event_process_here, event_id=event_id)
        finally:
            self.running_since = None
        return time.thread_time() - cpu, time.monotonic() - wall

    def start(self, event_id: int | None, request_id: str = "") -> None:
        """Process the reserved push (None: nothing to process, release the reservation); its
        log lines carry the request id of the push's request."""
        if event_id is None:
            self.waiting -= 1
            return
        if self._executor is None:
            self._executor = ThreadPoolExecutor(1, thread_name_prefix="push-inline")
        future = asyncio.get_running_loop().run_in_executor(
            self._executor, self._process, request_id or uuid.uuid4().hex, event_id
        )
        future.add_done_callback(self._done)

    def _done(self, future: asyncio.Future) -> None:
        self.waiting -= 1
        if not future.cancelled() and future.exception() is None:
            cpu, wall = future.result()
            self.used += cpu
            self.busy += wall


async def _respond(send, status: int, text: str) -> None:
    body = text.encode()
    headers = [(b"content-length", str(len(body)).encode())]
    if body:
        headers.append((b"content-type", b"text/plain; charset=utf-8"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class PushRoute:
    """ASGI middleware: POSTs to a push path are answered here, everything else by `app`."""

    def __init__(self, app):
        self.app = app
        self.inline = InlineProcessing()

    async def __call__(self, scope, receive, send):
        # A platform with no adapter goes on to Django, whose push view refuses it the same way.
        platform = push_platform(scope.get("path", "")) if scope["type"] == "http" else None
        if platform is None or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        limit = settings.WEBHOOK_MAX_BODY_BYTES
        refusal = declared_length_refusal(headers.get("content-length"), limit)
        if refusal:
            return await _respond(send, *refusal)
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the sender gave up: nothing stored, the marketplace retries or keeps it
            body += message.get("body", b"")
            if len(body) > limit:
                return await _respond(send, 413, too_large(limit))
            if not message.get("more_body"):
                break
        request_id = scope.get("request_id") or uuid.uuid4().hex
        inline = self.inline.reserve()
        try:
            answer = await _answer(request_id, platform, headers, bytes(body), not inline)
        except BaseException:
            answer = PushAnswer(500)
            raise
        finally:
            if inline:
                self.inline.start(answer.event_id, request_id)
        await _respond(send, answer.status, answer.text)
