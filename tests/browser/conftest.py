"""Browser-test rig: a real daphne server on an ephemeral port over the test database, the Shopee
simulator in-process pushing to that server, and headless Chromium (the system's, never a
downloaded one) driven by playwright."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.db import connection

from integrations.shopee.simulator import SimConfig, SimShop, start_simulator

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MY_SHOP, TW_SHOP = "100000000000000901", "100000000000000902"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    s = connection.settings_dict
    host = s["HOST"] or s.get("OPTIONS", {}).get("host", "")
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    if host.startswith("/"):
        return f"postgres://{s['USER']}{password}@/{s['NAME']}?host={host}"
    return f"postgres://{s['USER']}{password}@{host}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the test's own ORM calls are
    # still synchronous, so Django's async-safety guard must stand aside.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (see .ci/run)")
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def live_stack(transactional_db, settings):
    """(base_url, simulator handle). Rows the test creates are committed, so daphne sees them."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    callback = f"{base_url}/webhooks/shopee/"
    config = SimConfig(
        partner_id=int(settings.SHOPEE_PARTNER_ID),
        partner_key=settings.SHOPEE_PARTNER_KEY,
        shops=[SimShop(MY_SHOP, "MY", "Sunny Mall MY"), SimShop(TW_SHOP, "TW", "Sunny Mall TW")],
        callback_url=callback,
        seed=11,
    )
    with start_simulator(config) as sim:
        settings.SHOPEE_HOST = sim.base_url  # this process too (the test connects shops)
        env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "DJANGO_SETTINGS_MODULE": "tests.browser.live_settings",
            "DATABASE_URL": _database_url(),
            "SHOPEE_HOST": sim.base_url,
            "SHOPEE_PUSH_CALLBACK_URL": callback,
            "PYTEST_XDIST_WORKER": os.environ.get("PYTEST_XDIST_WORKER", "main"),
        }
        ARTIFACTS.mkdir(exist_ok=True)
        worker = env["PYTEST_XDIST_WORKER"]
        log = (ARTIFACTS / f"daphne-{worker}.log").open("wb")
        server = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
             "shopee_cs.asgi:application"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    if requests.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "daphne did not start; see test-artifacts/daphne-<worker>.log"
                    )
                time.sleep(0.1)
            yield base_url, sim
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()
