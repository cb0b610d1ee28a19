"""Marketplace push receivers: size limit, signature, store, acknowledge. Nothing else here."""

import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from chat.services.inbound import inbound_event_record
from integrations.adapters import get_adapter
from integrations.errors import PushVerificationNotConfigured
from integrations.models import Platform

logger = logging.getLogger(__name__)


def _plain(status: int, text: str) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


def _receive(request: HttpRequest, platform: str) -> HttpResponse:
    limit = settings.WEBHOOK_MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _plain(400, "Invalid Content-Length.")
    if declared > limit:
        return _plain(413, f"Push body over {limit} bytes refused.")
    raw = request.read(limit + 1)  # never more than the limit, whatever the header said
    if len(raw) > limit:
        return _plain(413, f"Push body over {limit} bytes refused.")
    try:
        authentic = get_adapter(platform).verify_push(request.headers, raw)
    except PushVerificationNotConfigured:
        logger.error("%s push refused: push verification is not configured", platform)
        return _plain(503, "Push verification is not configured.")
    if not authentic:
        logger.warning("%s push with a missing or bad signature refused", platform)
        return _plain(401, "Missing or invalid push signature.")
    try:
        inbound_event_record(platform=platform, raw_body=raw)
    except DatabaseError:
        # Not stored: a non-2xx makes the marketplace retry, and lost-push recovery holds it.
        logger.exception("%s push could not be stored", platform)
        return _plain(503, "Temporarily unable to store the push.")
    return HttpResponse(status=200)  # empty body, as Shopee requires


@csrf_exempt
@require_POST
def shopee_webhook(request: HttpRequest) -> HttpResponse:
    return _receive(request, Platform.SHOPEE)
