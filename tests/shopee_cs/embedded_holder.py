"""A stand-in for `make run` in its own process, for tests/shopee_cs/test_run_lock.py: it holds
the data folder (SHOPEE_CS_DATA_DIR) with the launcher's lock, starts or reuses the embedded
servers, watches them, and on SIGTERM marks itself stopping and stops them, as the launcher
does around honcho. With HOLDER_STOP_GATE set it waits for that file to exist before stopping
the servers, so a test can start a second run while this one is stopping."""

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from shopee_cs import embedded


def main() -> int:
    lock = embedded.RunLock()
    try:
        lock.acquire(wait_seconds=float(os.environ.get("EMBEDDED_STOP_WAIT_SECONDS", "60")))
    except embedded.RunInProgress as exc:
        print(exc, file=sys.stderr, flush=True)
        return 1
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: (lock.mark_stopping(), stopping.set()))
    failures = []
    env: dict[str, str] = {}
    try:
        embedded.ensure_embedded_env(env)
        watch = embedded.ServerWatch(on_failure=failures.append, interval=0.2)
        watch.start()
        print(json.dumps(env), flush=True)
        while not stopping.wait(0.1):
            if failures:
                print(failures[0], file=sys.stderr, flush=True)
                return 1
        gate = os.environ.get("HOLDER_STOP_GATE")
        while gate and not Path(gate).exists():
            time.sleep(0.05)
        watch.stop()
        watch.join()
    finally:
        lock.mark_stopping()
        embedded.stop_embedded()
        lock.release()
    return 0


if __name__ == "__main__":
    sys.exit(main())
