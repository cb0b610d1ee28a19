import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from shopee_cs.celery import app
from shopee_cs.health import forget_worker_answer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def readiness(client):
    """/readyz as JSON, its worker check pinging afresh each time."""

    def get() -> tuple[int, dict[str, str]]:
        forget_worker_answer()
        response = client.get("/readyz?format=json")
        return response.status_code, response.json()

    yield get
    forget_worker_answer()


def _result(body: dict[str, str], check: str) -> str:
    (value,) = [value for name, value in body.items() if name.startswith(check)]
    return value


def test_liveness_answers_without_touching_services(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readiness_reports_postgres_redis_and_broker_healthy(readiness):
    _, body = readiness()
    for check in ("Database", "Redis", "CeleryBroker"):
        assert _result(body, check) == "OK", body


def _worker_answers() -> bool:
    return bool(app.control.ping(timeout=0.5, limit=1))


@pytest.mark.django_db
def test_readiness_needs_a_celery_worker_that_answers(readiness, client):
    """A real worker process (on a queue of its own, so it takes no other test's tasks)."""
    status, body = readiness()
    assert status == 500
    assert "no Celery worker answered" in _result(body, "CeleryWorker"), body
    assert b"CeleryWorker" in client.get("/readyz", HTTP_ACCEPT="text/html").content

    name = uuid.uuid4().hex
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "shopee_cs", "worker", "--pool", "solo",
         "-Q", f"readyz_test_{name}", "-n", f"readyz-{name}@%h",
         "--without-mingle", "--without-gossip", "-l", "WARNING"],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "shopee_cs.settings.test"},
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60  # start-up on a busy machine, not a speed check
        while not _worker_answers():
            assert worker.poll() is None and time.monotonic() < deadline, "worker never answered"
        status, body = readiness()
        assert status == 200, body
        assert _result(body, "CeleryWorker") == "OK"
    finally:
        worker.terminate()
        worker.wait(timeout=60)

    status, body = readiness()
    assert status == 500
    assert "no Celery worker answered" in _result(body, "CeleryWorker"), body


@pytest.mark.django_db
def test_readiness_answers_when_the_broker_is_down(readiness, monkeypatch):
    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(app.conf, "broker_write_url", None)
    status, body = readiness()
    assert status == 500
    assert "broker unreachable" in _result(body, "CeleryBroker")
    assert "no worker can answer: broker unreachable" in _result(body, "CeleryWorker")
    assert _result(body, "Database") == "OK"


@pytest.mark.django_db
def test_readiness_fails_when_redis_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz?format=json")
    assert response.status_code == 500
    failing = [name for name, value in response.json().items() if value != "OK"]
    assert any("Redis" in name for name in failing)


@pytest.mark.django_db
def test_admin_login_page_renders(client):
    # The admin's login hands over to the staff sign-in page (password, then the OTP step).
    response = client.get("/admin/login/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert response.status_code == 200
    assert b"shopee_cs" in response.content


@pytest.mark.django_db
def test_the_favicon_is_served_before_and_during_sign_in(client):
    from pathlib import Path

    from django.contrib.staticfiles import finders

    from tests.factories import UserFactory

    assert "<svg" in Path(finders.find("img/favicon.svg")).read_text(encoding="utf-8")
    for _ in ("anonymous", "password only, before 2FA"):
        response = client.get("/favicon.ico")
        assert response.status_code == 301 and response["Location"] == "/static/img/favicon.svg"
        client.force_login(UserFactory())
