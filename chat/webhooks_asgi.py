"""Marketplace pushes served straight from the ASGI server, ahead of Django's request handling.

A push needs nothing of what Django's ASGI handler does for staff pages: the middleware stack,
and a new thread for every request (asgiref's ThreadSensitiveContext), which together cost
daphne more than storing the push. Here the body is read with the same size rules, then
verified and stored by chat.webhooks.push_answer in a pooled thread, with the same answers.
Other methods and paths go on to Django.
"""

import uuid

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from chat.webhooks import declared_length_refusal, push_answer, too_large
from integrations.models import Platform
from shopee_cs.request_id import request_id_var

PUSH_PATHS = {"/webhooks/shopee/": Platform.SHOPEE}


def _answer_in_thread(platform: str, headers: dict[str, str], raw: bytes) -> tuple[int, str]:
    token = request_id_var.set(uuid.uuid4().hex)
    close_old_connections()  # what Django's request_started/finished do for its requests
    try:
        return push_answer(platform, headers, raw)
    finally:
        close_old_connections()
        request_id_var.reset(token)


_answer = sync_to_async(_answer_in_thread, thread_sensitive=False)


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

    async def __call__(self, scope, receive, send):
        platform = PUSH_PATHS.get(scope.get("path", "")) if scope["type"] == "http" else None
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
                return  # the sender gave up: nothing stored, Shopee retries or keeps it
            body += message.get("body", b"")
            if len(body) > limit:
                return await _respond(send, 413, too_large(limit))
            if not message.get("more_body"):
                break
        await _respond(send, *await _answer(platform, headers, bytes(body)))
