"""daphne and a Celery worker started for a benchmark, with production settings, and the wait
until both answer (bm1_webhook_to_ws.py, bm6_auto_reply.py)."""

import subprocess
import sys
import time
from pathlib import Path

from _rig import ROOT


def start_processes(env: dict, port: int, logdir: Path, worker_log_level: str) -> tuple:
    # The children keep their own copies of the log descriptors once ours are closed.
    with (logdir / "daphne.log").open("w") as daphne_log:
        daphne = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
             "shopee_cs.asgi:application"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=daphne_log,
        )  # fmt: skip
    with (logdir / "worker.log").open("w") as worker_log:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "shopee_cs", "worker", "-c", "2",
             "-Q", "webhooks_in,outbound,outbound_retry,default", "--prefetch-multiplier", "1",
             "-l", worker_log_level],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=worker_log,
        )  # fmt: skip
    return daphne, worker


def wait_ready(port: int, timeout: float = 60) -> None:
    """daphne answers /healthz, and the worker has run a no-op task."""
    import requests
    from celery import current_app
    from django.conf import settings
    from redis import Redis

    from shopee_cs.tasks import HEARTBEAT_COUNT_KEY

    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            break
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise SystemExit("daphne did not start") from None
            time.sleep(0.2)
    redis = Redis.from_url(settings.REDIS_URL)
    current_app.send_task("shopee_cs.heartbeat")
    while int(redis.get(HEARTBEAT_COUNT_KEY) or 0) < 1:
        if time.monotonic() > deadline:
            raise SystemExit("the Celery worker did not start")
        time.sleep(0.1)
