"""Marketplace push receivers: size limit, signature, store, acknowledge. Nothing else here.

Under daphne, pushes arrive through chat.webhooks_asgi (ahead of Django's request handling);
this view serves the same route under WSGI and Django's test client. Both answer the same
statuses with the same texts, from push_answer and the size rules here.
"""

import logging
from collections.abc import Mapping
from typing import NamedTuple

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from chat.models import InboundEvent
from chat.services.pipeline.inbound import inbound_event_processable_here, inbound_event_record
from integrations.adapters import get_adapter, platforms
from integrations.errors import PushVerificationNotConfigured

logger = logging.getLogger(__name__)

INVALID_LENGTH = "Invalid Content-Length."
PUSH_PREFIX = "/webhooks/"


def push_platform(path: str) -> str | None:
    """The registered platform a push path names (/webhooks/<platform>/), else None."""
    if not (path.startswith(PUSH_PREFIX) and path.endswith("/")):
        return None
    platform = path[len(PUSH_PREFIX) : -1]
    return platform if platform in platforms() else None


def no_adapter(platform: str) -> str:
    return f"No marketplace {platform!r} is connected here: push refused."


def too_large(limit: int) -> str:
    return f"Push body over {limit} bytes refused."


def declared_length_refusal(value: str | None, limit: int) -> tuple[int, str] | None:
    """(status, text) when the Content-Length header alone refuses the push, else None."""
    try:
        declared = int(value or 0)
    except ValueError:
        return 400, INVALID_LENGTH
    return (413, too_large(limit)) if declared > limit else None


class PushAnswer(NamedTuple):
    status: int
    text: str = ""  # none with 200
    # A new pending event stored with enqueue=False that carries everything its processing
    # needs: the caller processes it (any other was queued).
    event_id: int | None = None


def push_answer(
    platform: str, headers: Mapping[str, str], raw: bytes, *, enqueue: bool = True
) -> PushAnswer:
    """Verify and store one push body within the size limit."""
    try:
        authentic = get_adapter(platform).verify_push(headers, raw)
    except PushVerificationNotConfigured:
        logger.error("%s push refused: push verification is not configured", platform)
        return PushAnswer(503, "Push verification is not configured.")
    if not authentic:
        logger.warning("%s push with a missing or bad signature refused", platform)
        return PushAnswer(401, "Missing or invalid push signature.")
    try:
        event, created = inbound_event_record(platform=platform, raw_body=raw, enqueue=enqueue)
    except DatabaseError:
        # Not stored: a non-2xx makes the marketplace retry, and lost-push recovery holds it.
        logger.exception("%s push could not be stored", platform)
        return PushAnswer(503, "Temporarily unable to store the push.")
    here = (
        not enqueue
        and created
        and event.status == InboundEvent.Status.PENDING
        and inbound_event_processable_here(event)
    )
    return PushAnswer(200, event_id=event.pk if here else None)


def _response(status: int, text: str) -> HttpResponse:
    if status == 200:
        return HttpResponse(status=200)  # empty body, as marketplaces expect
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


def _receive(request: HttpRequest, platform: str) -> HttpResponse:
    limit = settings.WEBHOOK_MAX_BODY_BYTES
    refusal = declared_length_refusal(request.META.get("CONTENT_LENGTH"), limit)
    if refusal:
        return _response(*refusal)
    raw = request.read(limit + 1)  # never more than the limit, whatever the header said
    if len(raw) > limit:
        return _response(413, too_large(limit))
    answer = push_answer(platform, request.headers, raw)
    return _response(answer.status, answer.text)


@csrf_exempt
@require_POST
def push_webhook(request: HttpRequest, platform: str) -> HttpResponse:
    """/webhooks/<platform>/: the platform's adapter verifies and reads the push. A platform
    with no registered adapter is refused before its body is read (nothing stored)."""
    if platform not in platforms():
        return _response(404, no_adapter(platform))
    return _receive(request, platform)
