"""One `make run` per data folder: a start waits while the previous run is still stopping the
embedded servers, and a server that dies under a running one is restarted with a message.

Real processes: tests/shopee_cs/embedded_holder.py holds the folder as the launcher does, on a
temporary data folder and a free Redis port, so the machine's own servers and other checkouts'
folders are never touched."""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import psutil
import psycopg
import pytest
from redis import Redis

from shopee_cs import embedded

HOLDER = Path(__file__).with_name("embedded_holder.py")
ROOT = Path(__file__).resolve().parents[2]


def _eventually(condition, what: str, within: float = 60.0) -> None:
    """Waits for another process to get somewhere (a bound against hanging, not a speed
    check)."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.05)


class Holder:
    """One launcher-like process; its output lines are collected as they come."""

    def __init__(self, env: dict[str, str], **extra: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(HOLDER)],
            env={**env, **extra},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        for stream, lines in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=lambda s=stream, o=lines: o.extend(s), daemon=True).start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def urls(self) -> dict[str, str]:
        _eventually(lambda: self.out or self.proc.poll() is not None, "the holder's servers")
        assert self.out, "".join(self.err)
        return json.loads(self.out[0])

    def said(self, text: str) -> None:
        _eventually(lambda: any(text in line for line in self.err), f"{text!r} in {self.err}")

    def exit_code(self) -> int:
        code = self.proc.wait(timeout=60)
        time.sleep(0.1)  # the reader threads take the last lines
        return code


@pytest.fixture
def folder(monkeypatch):
    """A data folder and Redis port of this test's own; whatever it started is stopped."""
    path = Path(tempfile.mkdtemp(prefix="cs-run-", dir="/tmp"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(SHOPEE_CS_DATA_DIR=str(path), EMBEDDED_REDIS_PORT=str(port))
    monkeypatch.setattr(embedded, "DATA_DIR", path)
    holders: list[Holder] = []

    def start(**extra: str) -> Holder:
        holders.append(Holder(env, **extra))
        return holders[-1]

    yield SimpleNamespace(env=env, start=start)
    for holder in holders:
        if holder.proc.poll() is None:
            holder.proc.kill()
            holder.proc.wait()
    stopped = subprocess.run(
        [sys.executable, "-m", "shopee_cs.embedded", "stop"], env=env, cwd=ROOT, check=False
    )
    if stopped.returncode:
        _kill_postgres(path / "postgres")
    shutil.rmtree(path, ignore_errors=True)


def _kill_postgres(pgdata: Path) -> None:
    """SIGKILL to the folder's postmaster and all its processes, as an OOM killer would."""
    for process in psutil.process_iter(["cmdline"]):
        if str(pgdata) in " ".join(process.info["cmdline"] or ()):
            for each in [process, *process.children(recursive=True)]:
                with contextlib.suppress(psutil.NoSuchProcess):
                    each.kill()


def _servers_answer(urls: dict[str, str]) -> None:
    with psycopg.connect(urls["DATABASE_URL"].replace("postgres://", "postgresql://")) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    assert Redis.from_url(urls["REDIS_URL"], socket_timeout=5).ping()


def test_a_start_waits_for_the_run_that_is_stopping_then_serves(folder, tmp_path):
    gate = tmp_path / "first-may-stop-its-servers"
    first = folder.start(HOLDER_STOP_GATE=str(gate))
    first_urls = first.urls()
    first.proc.send_signal(signal.SIGTERM)
    _eventually(lambda: embedded.run_holder() == (first.pid, "stopping"), "first stopping")

    second = folder.start()
    second.said(f"the previous `make run` (pid {first.pid}) is still stopping; waiting")
    assert second.proc.poll() is None and not second.out  # no servers taken over yet
    gate.touch()

    second_urls = second.urls()
    assert first.exit_code() == 0
    assert any("PostgreSQL stopped" in line for line in first.err)
    assert any("PostgreSQL started" in line for line in second.err)  # not the stopped ones
    assert second_urls == first_urls
    _servers_answer(second_urls)
    assert embedded.run_holder() == (second.pid, "running")


def test_a_second_start_beside_a_running_one_is_refused_and_leaves_it_alone(folder):
    first = folder.start()
    urls = first.urls()
    second = folder.start()
    assert second.exit_code() == 1
    assert any(
        f"`make run` is already running from this folder (pid {first.pid}" in line
        for line in second.err
    ), second.err
    # `make test` beside it leaves the servers it did not start to their run.
    subprocess.run(
        [sys.executable, "-m", "shopee_cs.embedded", "stop", "--unless-run-holds"],
        env=folder.env,
        cwd=ROOT,
        check=True,
    )
    # `make clean-data` refuses to pull the data folder from under it.
    cleaning = subprocess.run(
        [sys.executable, "-m", "shopee_cs.embedded", "stop", "--refuse-while-run-holds"],
        env=folder.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert cleaning.returncode == 1
    assert f"`make run` (pid {first.pid}) is using {embedded.DATA_DIR}" in cleaning.stderr
    _servers_answer(urls)
    assert first.proc.poll() is None


def test_the_wait_for_a_run_that_never_finishes_stopping_is_bounded(folder, tmp_path):
    gate = tmp_path / "never-before-the-end"
    first = folder.start(HOLDER_STOP_GATE=str(gate))
    first.urls()
    first.proc.send_signal(signal.SIGTERM)
    _eventually(lambda: embedded.run_holder() == (first.pid, "stopping"), "first stopping")

    second = folder.start(EMBEDDED_STOP_WAIT_SECONDS="0.5")
    assert second.exit_code() == 1
    assert any(
        f"The previous `make run` (pid {first.pid}) has not finished stopping after 0.5 s" in line
        for line in second.err
    ), second.err
    assert not second.out
    gate.touch()
    assert first.exit_code() == 0


def test_servers_that_die_under_a_running_supervisor_are_restarted_with_a_message(folder):
    holder = folder.start()
    urls = holder.urls()

    _kill_postgres(embedded.DATA_DIR / "postgres")
    holder.said(f"PostgreSQL (data {embedded.DATA_DIR / 'postgres'}) stopped under `make run`")
    holder.said("PostgreSQL is back")
    _servers_answer(urls)  # on the same socket: the processes' URLs stay right

    os.kill(int((embedded.DATA_DIR / "redis/redis.pid").read_text()), signal.SIGKILL)
    holder.said(f"Redis (data {embedded.DATA_DIR / 'redis'}) stopped under `make run`")
    holder.said("Redis is back")
    _servers_answer(urls)
    assert holder.proc.poll() is None


def test_a_server_that_cannot_be_restarted_ends_the_run_with_the_reason(folder):
    holder = folder.start()
    holder.urls()
    # The running server never reads it again; a new one refuses files of another version.
    (embedded.DATA_DIR / "postgres/PG_VERSION").write_text("9\n")
    _kill_postgres(embedded.DATA_DIR / "postgres")
    holder.said("stopped under `make run`; restarting it")
    assert holder.exit_code() == 1
    log = embedded.DATA_DIR / "postgres/log"
    assert any(f"PostgreSQL could not be restarted (see {log})" in line for line in holder.err), (
        holder.err
    )
    assert embedded.run_holder() is None  # the folder is free for the next start
