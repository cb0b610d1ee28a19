"""BM3: ingest throughput against a raw batched INSERT ... ON CONFLICT, in the same run.

1. Pull-sync: the real reconciliation (adapter, HTTP to the simulator on loopback, models)
   over N messages, against the same rows through `INSERT ... SELECT unnest(...) ON CONFLICT
   DO NOTHING` in 1,000-row batches. Goal: >= 0.4x. A replay adds 0 rows (goal <= 1.2x time).
2. Webhook: signed pushes at 200/s to daphne (production settings) for a bounded time. Goal:
   p99 <= 200 ms and every push stored.

    python bench/bm3_ingest.py [--messages 50000] [--push-seconds 10]
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from _rig import ROOT, conninfo, pct, setup_django, verdict

SHOP_ID = "100000000000000777"


def seed_simulator(sim, messages: int, per_conversation: int = 50) -> list[tuple[str, datetime]]:
    rows = []
    with sim.lock:
        for n in range(messages // per_conversation):
            buyer = sim.add_buyer(SHOP_ID, user_id=10_000 + n, username=f"buyer{n}", lang="en")
            conv = sim.conversation_for(SHOP_ID, buyer["user_id"])
            for k in range(per_conversation):
                msg = sim.add_message(
                    conv, from_seller=k % 3 == 2, message_type="text", content={"text": f"m{k}"}
                )
                rows.append(
                    (str(msg["message_id"]), datetime.fromtimestamp(msg["created_timestamp"], UTC))
                )
    return rows


def raw_baseline(rows: list[tuple[str, datetime]]) -> float:
    import psycopg

    with psycopg.connect(conninfo()) as conn:
        conn.execute(
            "CREATE TABLE bm3_raw (id bigserial PRIMARY KEY, shop_id bigint NOT NULL,"
            " provider_msg_id text NOT NULL UNIQUE, body text, created_at timestamptz NOT NULL)"
        )
        conn.execute("CREATE INDEX ON bm3_raw (shop_id, created_at)")
        conn.commit()
        start = time.perf_counter()
        for i in range(0, len(rows), 1000):
            batch = rows[i : i + 1000]
            conn.execute(
                "INSERT INTO bm3_raw (shop_id, provider_msg_id, body, created_at)"
                " SELECT 1, * FROM unnest(%s::text[], %s::text[], %s::timestamptz[])"
                " ON CONFLICT DO NOTHING",
                ([r[0] for r in batch], ["m"] * len(batch), [r[1] for r in batch]),
            )
            conn.commit()
        return time.perf_counter() - start


def pull_sync(shop) -> tuple[float, int]:
    from chat.models import Message
    from chat.services.reconcile import shop_reconcile

    before = Message.objects.count()
    start = time.perf_counter()
    result = shop_reconcile(shop=shop)
    elapsed = time.perf_counter() - start
    assert result.complete
    return elapsed, Message.objects.count() - before


def webhook_load(sim_key: str, seconds: float, rate: int) -> dict:
    """Drive daphne with signed chat pushes at `rate`/s; returns latency stats."""
    import requests

    from integrations.shopee.push import push_signature

    port = 8791
    url = f"http://127.0.0.1:{port}/webhooks/shopee/"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shopee_cs.settings.production",
        "SECRET_KEY": "bench-" + "k" * 60,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "TOKEN_ENCRYPTION_KEYS": "uW2yB6o0sQ3XWb6wBv4a2mC0b3x0qG7H8j1Z0kq4n2Q=",
        "SHOPEE_PARTNER_ID": "2001887",
        "SHOPEE_PARTNER_KEY": sim_key,
        "SHOPEE_PUSH_CALLBACK_URL": url,
        "REDIS_URL": os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/14",
        "LOG_LEVEL": "WARNING",
    }
    daphne = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "shopee_cs.asgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)
        total = int(seconds * rate)
        latencies: list[float] = []
        statuses: list[int] = []
        lock = threading.Lock()
        local = threading.local()
        t0 = time.perf_counter()

        def send(i: int) -> None:
            session = getattr(local, "session", None) or requests.Session()
            local.session = session
            due = t0 + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            body = json.dumps(
                {
                    "code": 10,
                    "shop_id": int(SHOP_ID),
                    "timestamp": int(time.time()),
                    "data": {
                        "type": "message",
                        "content": {
                            "message_id": str(9_000_000_000_000_000_000 + i),
                            "conversation_id": str(8_000_000_000_000_000_000 + i % 200),
                            "from_id": 10_000 + i % 200,
                            "to_id": int(SHOP_ID),
                            "from_shop_id": 0,
                            "to_shop_id": int(SHOP_ID),
                            "message_type": "text",
                            "content": {"text": f"push {i}"},
                            "created_timestamp": int(time.time()),
                        },
                    },
                },
                separators=(",", ":"),
            ).encode()
            sig = push_signature(url, sim_key, body)
            start = time.perf_counter()
            response = session.post(url, data=body, headers={"Authorization": sig}, timeout=5)
            with lock:
                latencies.append((time.perf_counter() - start) * 1000)
                statuses.append(response.status_code)

        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(send, range(total)))
        elapsed = time.perf_counter() - t0
    finally:
        daphne.terminate()
        daphne.wait(timeout=10)
    from redis import Redis

    Redis.from_url(env["REDIS_URL"]).flushdb()  # the queued processing tasks of this bench
    return {
        "sent": total,
        "ok": statuses.count(200),
        "rate": total / elapsed,
        "p50": pct(latencies, 50),
        "p99": pct(latencies, 99),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--push-seconds", type=float, default=10.0)
    parser.add_argument("--push-rate", type=int, default=200)
    args = parser.parse_args()
    setup_django("shopee_cs_bench_bm3")
    from django.conf import settings

    from chat.models import InboundEvent
    from integrations.models import Shop
    from integrations.services.tokens import shop_tokens_store
    from integrations.shopee.mapping import token_pair_from_shopee
    from integrations.shopee.simulator import SimConfig, SimShop, start_simulator

    config = SimConfig(
        partner_id=int(settings.SHOPEE_PARTNER_ID),
        partner_key=settings.SHOPEE_PARTNER_KEY,
        shops=[SimShop(SHOP_ID, "MY", "Bench MY")],
        seed=3,
    )
    with start_simulator(config) as handle:
        settings.SHOPEE_HOST = handle.base_url
        rows = seed_simulator(handle.sim, args.messages)
        shop = Shop.objects.create(platform_shop_id=SHOP_ID, site="MY", name="Bench MY")
        issued = handle.sim.issue_tokens(SHOP_ID)
        shop_tokens_store(shop=shop, pair=token_pair_from_shopee(issued, shop_id=SHOP_ID))

        raw_s = raw_baseline(rows)
        sync_s, created = pull_sync(shop)
        # Replay: forget the cursors so the same pages are read and upserted again.
        from chat.models import Conversation, ShopSyncState

        ShopSyncState.objects.update(conversations_synced_until=None)
        Conversation.objects.update(synced_until=None)
        replay_s, replay_created = pull_sync(shop)

    n = len(rows)
    raw_rate, sync_rate = n / raw_s, n / sync_s
    print(f"BM3 ingest, {n} messages, {n // 50} conversations, PostgreSQL on loopback")
    print(f"  baseline  INSERT..SELECT unnest ON CONFLICT, 1000/batch: {raw_rate:,.0f} rows/s")
    print(f"  pull-sync (HTTP to simulator + models):              {sync_rate:,.0f} rows/s")
    print(
        "  "
        + verdict("sync/baseline", sync_rate / raw_rate, ">= 0.40", sync_rate / raw_rate >= 0.4)
    )
    print(f"  stored {created} of {n}; replay added {replay_created} rows")
    print(
        "  "
        + verdict(
            "replay time/first",
            replay_s / sync_s,
            "<= 1.20",
            replay_s / sync_s <= 1.2 and replay_created == 0,
        )
    )

    stats = webhook_load(settings.SHOPEE_PARTNER_KEY, args.push_seconds, args.push_rate)
    stored = InboundEvent.objects.count()
    print(
        f"  webhook: {stats['sent']} pushes at {stats['rate']:.0f}/s, "
        f"{stats['ok']} answered 200, {stored} stored"
    )
    print(f"  webhook latency p50 {stats['p50']:.1f} ms, p99 {stats['p99']:.1f} ms")
    ok = stats["p99"] <= 200 and stored == stats["sent"] and stats["rate"] >= 0.95 * args.push_rate
    print(
        f"  webhook: p99 <= 200 ms at {args.push_rate}/s, every push stored -> "
        f"{'PASS' if ok else 'FAIL'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
