"""daphne's access log goes through logging (JSON lines in production), not NCSA text; its HTTP
lines are left to the application, which logs them with their request id. Every request body
reaches the application as it came."""

import logging
import os
import subprocess
import sys
import time

import pytest
import requests

from shopee_cs.security.roles import ROLE_ADMIN
from shopee_cs.security.scopes import API_SCOPES
from shopee_cs.security.services import api_key_create
from shopee_cs.serve import LoggingAccessLog
from tests.browser.conftest import ROOT, _database_url, _free_port
from tests.factories import ConversationFactory, ShopFactory, UserFactory


def test_websocket_entries_are_log_records_and_http_ones_are_left_to_the_app(caplog):
    access = LoggingAccessLog(stream=None)  # the stream daphne would pass is not used
    request = {"method": "GET", "path": "/console/", "status": 200, "size": 5120}
    with caplog.at_level(logging.INFO, logger="shopee_cs.access"):
        access("http", "complete", {"client": "192.0.2.7:5123", **request})
        access("websocket", "connected", {"client": "192.0.2.7:5124", "path": "/ws/agent/"})
    [socket] = caplog.records
    assert (socket.name, socket.getMessage()) == ("shopee_cs.access", "WSCONNECT /ws/agent/ -")
    assert socket.client == "192.0.2.7:5124"


@pytest.fixture
def served(transactional_db, tmp_path):
    """`python -m shopee_cs.serve` (the production command) on an ephemeral port over the test
    database; yields (base URL, path of its log)."""
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "tests.shopee_cs.serve_settings",
        "DATABASE_URL": _database_url(),
        "SHOPEE_HOST": "http://127.0.0.1:9",  # never called here
        "SHOPEE_PUSH_CALLBACK_URL": f"http://127.0.0.1:{port}/webhooks/shopee/",
        "LOG_FORMAT": "text",
    }
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "shopee_cs.serve", "-b", "127.0.0.1", "-p", str(port),
             "shopee_cs.asgi:application"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base_url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    if requests.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"shopee_cs.serve did not start:\n{log_path.read_text()}")
                time.sleep(0.1)
            yield base_url, log_path
        finally:
            server.terminate()
            server.wait(timeout=10)


def test_a_body_the_server_cannot_parse_reaches_the_api_which_answers_415(served):
    """Twisted parsed multipart bodies itself and answered an empty one with a bare 400: no
    request id, no access log line, and the API never saw it."""
    base_url, log_path = served
    user = UserFactory(roles=[ROLE_ADMIN])
    _, raw = api_key_create(user=user, name="fuzz", scopes=list(API_SCOPES))
    conversation = ConversationFactory(shop=ShopFactory())
    response = requests.post(
        f"{base_url}/api/v1/conversations/{conversation.pk}/messages/",
        data=b"--x--\r\n",
        headers={
            "Authorization": f"Api-Key {raw}",
            "Content-Type": "multipart/form-data; boundary=x",
        },
        timeout=10,
    )
    assert response.status_code == 415
    assert "Unsupported media type" in response.json()["detail"]
    request_id = response.headers["X-Request-ID"]

    def access_lines() -> list[str]:
        lines = log_path.read_text().splitlines()
        return [x for x in lines if request_id in x and "shopee_cs.access" in x]

    deadline = time.monotonic() + 5
    while not access_lines() and time.monotonic() < deadline:
        time.sleep(0.05)
    [line] = access_lines()
    assert "POST /api/v1/conversations/" in line and "415" in line
