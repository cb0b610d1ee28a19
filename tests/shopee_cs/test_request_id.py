import importlib
import logging

import pytest

from shopee_cs.request_id import RequestIdLogFilter, request_id_var


def test_each_response_carries_a_generated_request_id(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert len(first) == 32 and first != second


def test_a_well_formed_upstream_request_id_is_kept(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-1234abcd")
    assert response["X-Request-ID"] == "lb-1234abcd"


def test_a_malformed_upstream_request_id_is_replaced(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\n<script>")
    assert response["X-Request-ID"] != "bad id\n<script>"
    assert len(response["X-Request-ID"]) == 32


def test_log_records_carry_the_current_request_id():
    token = request_id_var.set("req-abcdef12")
    try:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
        assert RequestIdLogFilter().filter(record)
        assert record.request_id == "req-abcdef12"
    finally:
        request_id_var.reset(token)


@pytest.fixture(autouse=True)
def _asgi_loaded():
    """Importing the ASGI module sets Django up again, logging included: done before a test
    starts capturing logs."""
    importlib.import_module("shopee_cs.asgi")


def _asgi_get(path: str, headers=()):
    from asgiref.sync import async_to_sync
    from channels.testing import HttpCommunicator

    from shopee_cs.asgi import application

    sent = [(b"host", b"127.0.0.1"), *headers]
    return async_to_sync(HttpCommunicator(application, "GET", path, b"", sent).get_response)()


def _header(response, name: bytes) -> list[bytes]:
    return [value for key, value in response["headers"] if key.lower() == name]


@pytest.mark.django_db(transaction=True)
def test_under_asgi_the_access_line_carries_the_id_the_response_echoes(caplog):
    with caplog.at_level(logging.INFO, logger="shopee_cs.access"):
        response = _asgi_get("/healthz?code=secret-oauth-code")
    [echoed] = _header(response, b"x-request-id")  # once: Django's middleware reuses it
    [line] = [r for r in caplog.records if r.name == "shopee_cs.access"]
    assert line.getMessage() == "GET /healthz 200"  # no query string: it may carry a code
    assert (line.request_id, line.status, line.bytes) == (
        echoed.decode(),
        200,
        len(response["body"]),
    )
    assert len(echoed) == 32 and line.duration_ms >= 0


@pytest.mark.django_db(transaction=True)
def test_under_asgi_an_upstream_id_is_kept_and_a_malformed_one_replaced():
    kept = _asgi_get("/healthz", [(b"x-request-id", b"lb-1234abcd")])
    replaced = _asgi_get("/healthz", [(b"x-request-id", b"bad id <script>")])
    assert _header(kept, b"x-request-id") == [b"lb-1234abcd"]
    [new] = _header(replaced, b"x-request-id")
    assert new != b"bad id <script>" and len(new) == 32


@pytest.mark.django_db(transaction=True)
def test_a_refused_push_is_logged_with_the_id_of_its_response(caplog):
    from asgiref.sync import async_to_sync
    from channels.testing import HttpCommunicator

    from shopee_cs.asgi import application

    communicator = HttpCommunicator(
        application,
        "POST",
        "/webhooks/shopee/",
        b'{"code": 10}',
        [(b"host", b"127.0.0.1"), (b"authorization", b"0" * 64)],
    )
    with caplog.at_level(logging.INFO):
        response = async_to_sync(communicator.get_response)()
    [echoed] = _header(response, b"x-request-id")
    assert response["status"] == 401
    [line] = [r for r in caplog.records if r.name == "shopee_cs.access"]
    assert (line.getMessage(), line.request_id) == ("POST /webhooks/shopee/ 401", echoed.decode())
    others = [r for r in caplog.records if r.name != "shopee_cs.access"]
    assert others and {r.request_id for r in others} == {echoed.decode()}


def test_an_application_failure_is_logged_as_the_500_daphne_answers(caplog):
    from asgiref.sync import async_to_sync
    from channels.testing import HttpCommunicator

    from shopee_cs.request_id import RequestIdASGIMiddleware

    async def failing_app(scope, receive, send):
        raise RuntimeError("boom")

    communicator = HttpCommunicator(RequestIdASGIMiddleware(failing_app), "GET", "/x", b"", [])
    with caplog.at_level(logging.INFO, logger="shopee_cs.access"), pytest.raises(RuntimeError):
        async_to_sync(communicator.get_response)()
    [line] = [r for r in caplog.records if r.name == "shopee_cs.access"]
    assert (line.getMessage(), line.status) == ("GET /x 500", 500)
