"""Shared rig for the benchmarks: a scratch database, Django on it, percentiles.

Benchmarks run against real PostgreSQL and Redis (DATABASE_URL/REDIS_URL, or the embedded
servers), in a database of their own that they create and migrate.
"""

import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(db_name: str = "shopee_cs_bench") -> str:
    """Point Django at a fresh benchmark database, migrate it, return its URL."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopee_cs.settings.test")
    from shopee_cs.embedded import ensure_embedded_env

    ensure_embedded_env(os.environ)
    parts = urlsplit(os.environ["DATABASE_URL"])
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    bench_url = urlunsplit(parts._replace(path=f"/{db_name}"))
    import psycopg

    with psycopg.connect(_conninfo(admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{db_name}"')
    os.environ["DATABASE_URL"] = bench_url
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    settle_writes()
    return bench_url


def settle_writes() -> None:
    """Flush what creating, migrating and seeding the benchmark database wrote (a CHECKPOINT,
    then VACUUM ANALYZE), so that writing it back does not land in the measurement."""
    import psycopg

    with psycopg.connect(conninfo(), autocommit=True) as conn:
        conn.execute("CHECKPOINT")
        conn.execute("VACUUM ANALYZE")


def _conninfo(url: str) -> str:
    """psycopg accepts URLs, except the embedded server's socket form (?host=/path)."""
    return url


def conninfo() -> str:
    return _conninfo(os.environ["DATABASE_URL"])


def production_env(partner_key: str, **overrides: str) -> dict[str, str]:
    """Settings for servers and workers a benchmark starts: production settings on loopback,
    with dummy secrets and no HTTPS redirect."""
    return {
        "DJANGO_SETTINGS_MODULE": "shopee_cs.settings.production",
        "SECRET_KEY": "bench-" + "k" * 60,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "TOKEN_ENCRYPTION_KEYS": "uW2yB6o0sQ3XWb6wBv4a2mC0b3x0qG7H8j1Z0kq4n2Q=",
        "SHOPEE_PARTNER_ID": "2001887",
        "SHOPEE_PARTNER_KEY": partner_key,
        "LOG_LEVEL": "WARNING",
        **overrides,
    }


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def median(values: list[float]) -> float:
    return statistics.median(values)


def verdict(name: str, ratio: float, goal: str, ok: bool) -> str:
    return f"{name}: {ratio:.2f}x (goal {goal}) -> {'PASS' if ok else 'FAIL'}"


def chat_push_body(i: int, shop_id: str, *, id_base: int = 9_000_000_000_000_000_000) -> bytes:
    """A buyer's text message as Shopee pushes it (code 10), with ids above 2**53."""
    import json

    now = int(time.time())
    content = {
        "message_id": str(id_base + i),
        "conversation_id": str(id_base - 1_000_000_000_000_000_000 + i % 200),
        "from_id": 10_000 + i % 200,
        "to_id": int(shop_id),
        "from_shop_id": 0,
        "to_shop_id": int(shop_id),
        "message_type": "text",
        "content": {"text": f"push {i}"},
        "created_timestamp": now,
    }
    push = {"code": 10, "shop_id": int(shop_id), "timestamp": now}
    push["data"] = {"type": "message", "content": content}
    return json.dumps(push, separators=(",", ":")).encode()
