"""Pushes through the ASGI application, as daphne serves them (chat.webhooks_asgi)."""

import json
import time

import pytest
from asgiref.sync import async_to_sync
from channels.testing import HttpCommunicator

from chat.models import InboundEvent, Message
from integrations.shopee.push import push_signature
from integrations.shopee.simulator import buyer_message
from tests.chat.conftest import SHOP_ID, take_pushes

pytestmark = pytest.mark.django_db(transaction=True)  # the push is stored from another thread

PATH = "/webhooks/shopee/"


def _post(body: bytes, *, signature: str | None, method: str = "POST", headers=()):
    from shopee_cs.asgi import application

    sent = [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"), *headers]
    if signature:
        sent.append((b"authorization", signature.encode()))
    return async_to_sync(HttpCommunicator(application, method, PATH, body, sent).get_response)()


def _signature(settings, body: bytes) -> str:
    return push_signature(settings.SHOPEE_PUSH_CALLBACK_URL, settings.SHOPEE_PARTNER_KEY, body)


def test_a_signed_push_is_acknowledged_empty_and_stored_once(settings, simulator, shop):
    buyer_message(simulator.sim, shop_id=SHOP_ID, text="Where is my parcel?")
    [body] = take_pushes(simulator.sim)
    for _ in range(2):  # Shopee's retry of the same push adds nothing
        response = _post(body, signature=_signature(settings, body))
        assert (response["status"], response["body"]) == (200, b"")
    event = InboundEvent.objects.get()
    assert event.raw_body == body.decode()


def test_a_bad_or_missing_signature_is_401_and_nothing_is_stored(settings, simulator, shop):
    buyer_message(simulator.sim, shop_id=SHOP_ID, text="hi")
    [body] = take_pushes(simulator.sim)
    for signature in ("0" * 64, None):
        response = _post(body, signature=signature)
        assert response["status"] == 401
        assert response["body"] == b"Missing or invalid push signature."
    assert not InboundEvent.objects.exists()


def test_oversized_pushes_are_413_whether_declared_or_not(settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 1024
    body = json.dumps({"code": 10, "data": {"x": "y" * 2000}}).encode()
    declared = _post(body, signature=_signature(settings, body),
                     headers=[(b"content-length", str(len(body)).encode())])  # fmt: skip
    undeclared = _post(body, signature=_signature(settings, body))
    assert declared["status"] == undeclared["status"] == 413
    assert declared["body"] == b"Push body over 1024 bytes refused."
    bad_length = _post(b"{}", signature="x", headers=[(b"content-length", b"many")])
    assert bad_length["status"] == 400
    assert not InboundEvent.objects.exists()


def test_an_unparseable_authentic_push_is_parked_not_dropped(settings):
    body = b'{"code": 10, "data": '
    response = _post(body, signature=_signature(settings, body))
    assert response["status"] == 200
    assert InboundEvent.objects.get().status == InboundEvent.Status.PARKED


def test_other_methods_go_on_to_django(settings):
    assert _post(b"", signature=None, method="GET")["status"] == 405


def _wait_processed(timeout: float = 10) -> InboundEvent:
    deadline = time.monotonic() + timeout
    while True:
        event = InboundEvent.objects.get()
        if event.status != InboundEvent.Status.PENDING or time.monotonic() > deadline:
            return event
        time.sleep(0.02)


def test_with_a_cpu_share_the_web_process_processes_the_push_itself(
    settings, simulator, shop, monkeypatch
):
    from shopee_cs.celery import app

    # No eager tasks and no worker: only processing in the web process can store the message.
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    settings.PUSH_INLINE_CPU_SHARE = 1.0
    buyer_message(simulator.sim, shop_id=SHOP_ID, text="fast path")
    [body] = take_pushes(simulator.sim)
    response = _post(body, signature=_signature(settings, body))
    assert (response["status"], response["body"]) == (200, b"")
    event = _wait_processed()
    assert (event.status, event.attempts) == (InboundEvent.Status.PROCESSED, 1)
    assert Message.objects.get().text == "fast path"
