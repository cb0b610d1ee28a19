"""BM3: ingest throughput against a raw batched INSERT ... ON CONFLICT, in the same run.

1. Pull-sync: the real reconciliation (adapter, HTTP to the simulator on loopback, models)
   over N messages, against the same rows through `INSERT ... SELECT unnest(...) ON CONFLICT
   DO NOTHING` in 1,000-row batches. Goal: >= 0.4x. A replay adds 0 rows (goal <= 1.2x time).
2. Webhook: signed pushes at 200/s to daphne (production settings) for a bounded time, after
   an unmeasured warm-up. Goal: p99 <= 200 ms and every push stored.

    python bench/bm3_ingest.py [--messages 50000] [--push-seconds 10]
"""

import argparse
import asyncio
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime

from _load import HttpConnection, cpu_used, processes_named
from _rig import (
    ROOT,
    chat_push_body,
    conninfo,
    pct,
    production_env,
    settle_writes,
    setup_django,
    verdict,
)

SHOP_ID = "100000000000000777"


def start_simulator_process(key: str, conversations: int, per: int, port: int = 8792):
    """The fake Shopee in its own process, so it does not share our GIL (as the real one)."""
    sim = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "_sim_server.py"), str(port), "2001887", key,
         SHOP_ID, str(conversations), str(per)],
        cwd=ROOT / "bench",
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    line = sim.stdout.readline()
    if not line.startswith("ready"):
        sim.kill()
        raise RuntimeError(f"simulator failed to start: {line!r}")
    return sim, f"http://127.0.0.1:{port}"


def expected_rows(conversations: int, per: int) -> list[tuple[str, datetime]]:
    """Rows of the same shape for the raw baseline (ids as long as Shopee's)."""
    now = datetime.now(UTC)
    return [(str(9_100_000_000_000_000_000 + i), now) for i in range(conversations * per)]


def seed_history(conversations: int, per: int) -> None:
    """An earlier shop's history, as a running install holds, so the measured sync writes into
    tables PostgreSQL has statistics for. Into tables never analysed, the foreign-key checks use
    a sequential-scan plan until autovacuum's first ANALYZE (docs/benchmarks.md)."""
    from django.db import connection

    from integrations.models import Shop

    shop = Shop.objects.create(platform_shop_id="100000000000000001", site="SG", name="History")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO chat_conversation (shop_id, platform_conversation_id, buyer_platform_id,"
            " buyer_name, buyer_avatar_url, status, last_message_preview, unread_count,"
            " last_message_at, created_at, updated_at)"
            " SELECT %s, 'h' || n, n, '', '', 'resolved', '', 0, now(), now(), now()"
            " FROM generate_series(1, %s) n",
            [shop.pk, conversations],
        )
        cursor.execute(
            "INSERT INTO chat_message (conversation_id, shop_id, platform_message_id, direction,"
            " sender_kind, kind, text, payload, platform_created_at, created_at, status,"
            " failure_code, failure_reason)"
            " SELECT c.id, c.shop_id, c.platform_conversation_id || '-' || k, 'in', 'buyer',"
            " 'text', 'm', '{}', now(), now(), 'received', '', ''"
            " FROM chat_conversation c, generate_series(1, %s) k WHERE c.shop_id = %s",
            [per, shop.pk],
        )


def raw_baseline(rows: list[tuple[str, datetime]], history: int) -> float:
    import psycopg

    with psycopg.connect(conninfo()) as conn:
        conn.execute(
            "CREATE TABLE bm3_raw (id bigserial PRIMARY KEY, shop_id bigint NOT NULL,"
            " provider_msg_id text NOT NULL UNIQUE, body text, created_at timestamptz NOT NULL)"
        )
        conn.execute("CREATE INDEX ON bm3_raw (shop_id, created_at)")
        conn.execute(  # the same amount of history as the models' tables hold
            "INSERT INTO bm3_raw (shop_id, provider_msg_id, body, created_at)"
            " SELECT 2, 'h' || n, 'm', now() FROM generate_series(1, %s) n",
            [history],
        )
        conn.commit()
        conn.execute("ANALYZE bm3_raw")
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


def cpu_seconds(sim) -> dict[str, float]:
    """CPU used so far by this process, the simulator and PostgreSQL, which share the cores."""
    import psutil

    return {
        "this process": cpu_used([psutil.Process()]),
        "simulator": cpu_used([psutil.Process(sim.pid)]),
        "PostgreSQL": cpu_used(processes_named("postgres")["postgres"]),
    }


def pull_sync(shop, sim) -> tuple[float, int, dict[str, float]]:
    from chat.models import Message
    from chat.services.pipeline.reconcile import shop_reconcile

    before = Message.objects.count()
    cpu_before = cpu_seconds(sim)
    start = time.perf_counter()
    result = shop_reconcile(shop=shop)
    elapsed = time.perf_counter() - start
    cpu = {name: used - cpu_before[name] for name, used in cpu_seconds(sim).items()}
    assert result.complete
    return elapsed, Message.objects.count() - before, cpu


async def _push_at_rate(ports: list[int], signed: list[tuple[bytes, str]], rate: int):
    """Post each (body, signature) at its scheduled time over keep-alive connections, up to 32
    in flight per server, so that a slow answer does not hold the next pushes back. Latency runs
    from writing the request to reading the answer; lateness is how far behind its schedule a
    push was written (waiting for a free connection included)."""
    pools: dict[int, asyncio.Queue] = {}
    for port in ports:
        pools[port] = asyncio.Queue()
        for _ in range(32):
            pools[port].put_nowait(HttpConnection(port))
    latencies: list[float] = []
    lateness: list[float] = []
    statuses: Counter = Counter()
    t0 = time.perf_counter()

    async def push(i: int, body: bytes, signature: str) -> None:
        scheduled = t0 + i / rate
        if scheduled > time.perf_counter():
            await asyncio.sleep(scheduled - time.perf_counter())
        port = ports[i % len(ports)]
        conn = await pools[port].get()
        sent: list[float] = []
        try:
            status = await conn.post(
                "/webhooks/shopee/",
                body,
                {"Authorization": signature},
                lambda: sent.append(time.perf_counter()),
            )
        except (OSError, ConnectionError):
            status = 0
            await conn.close()
        finally:
            pools[port].put_nowait(conn)
        if sent:
            latencies.append((time.perf_counter() - sent[0]) * 1000)
            lateness.append((sent[0] - scheduled) * 1000)
        statuses[status] += 1

    await asyncio.gather(*(push(i, body, sig) for i, (body, sig) in enumerate(signed)))
    return latencies, lateness, statuses, time.perf_counter() - t0


def webhook_load(
    sim_key: str, seconds: float, rate: int, processes: int, warmup_seconds: float
) -> dict:
    """Signed chat pushes at `rate`/s, spread over `processes` daphne servers the way a load
    balancer would; returns latency stats. The signature covers the canonical public URL."""
    import requests

    from integrations.shopee.push import push_signature

    canonical = "https://cs.example.com/webhooks/shopee/"
    ports = [8791 + i for i in range(processes)]
    env = {
        **os.environ,
        **production_env(
            sim_key,
            SHOPEE_PUSH_CALLBACK_URL=canonical,
            REDIS_URL=os.environ["REDIS_URL"].rsplit("/", 1)[0] + "/14",
        ),
    }
    servers = [
        subprocess.Popen(
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
        for port in ports
    ]
    try:
        for port in ports:
            for _ in range(100):
                try:
                    requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                    break
                except requests.RequestException:
                    time.sleep(0.1)
        total, warm = int(seconds * rate), int(warmup_seconds * rate)

        def signed(n: int, id_base: int) -> list[tuple[bytes, str]]:
            # Signed before the clock starts: the load generator's work is not the server's.
            bodies = [chat_push_body(i, SHOP_ID, id_base=id_base) for i in range(n)]
            return [(body, push_signature(canonical, sim_key, body)) for body in bodies]

        # The first pushes to a new process open its pooled connections: not measured.
        warm_latencies, _, warm_statuses, _ = asyncio.run(
            _push_at_rate(ports, signed(warm, 8_000_000_000_000_000_000), rate)
        )
        latencies, lateness, statuses, elapsed = asyncio.run(
            _push_at_rate(ports, signed(total, 9_000_000_000_000_000_000), rate)
        )
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
    from redis import Redis

    Redis.from_url(env["REDIS_URL"]).flushdb()  # the queued processing tasks of this bench
    return {
        "warmup": warm,
        "warmup_ok": warm_statuses[200],
        "warmup_max": max(warm_latencies, default=0.0),
        "sent": total,
        "ok": statuses[200],
        "statuses": dict(statuses),
        "rate": total / elapsed,
        "late_p99": pct(lateness, 99),
        "p50": pct(latencies, 50),
        "p99": pct(latencies, 99),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=50_000)
    parser.add_argument("--push-seconds", type=float, default=10.0)
    parser.add_argument("--push-warmup-seconds", type=float, default=2.0)
    parser.add_argument("--push-rate", type=int, default=200)
    parser.add_argument("--web-processes", type=int, default=2)
    parser.add_argument("--history-conversations", type=int, default=2000)
    args = parser.parse_args()
    setup_django("shopee_cs_bench_bm3")
    from django.conf import settings

    from chat.models import InboundEvent
    from integrations.models import Shop
    from integrations.services.tokens import shop_tokens_store
    from integrations.shopee.mapping import token_pair_from_shopee

    per = 50
    conversations = args.messages // per
    sim_process, base_url = start_simulator_process(settings.SHOPEE_PARTNER_KEY, conversations, per)
    try:
        settings.SHOPEE_HOST = base_url
        import requests

        shop = Shop.objects.create(platform_shop_id=SHOP_ID, site="MY", name="Bench MY")
        issued = requests.post(f"{base_url}/__sim__/tokens", json={"shop_id": SHOP_ID}, timeout=5)
        shop_tokens_store(shop=shop, pair=token_pair_from_shopee(issued.json(), shop_id=SHOP_ID))
        rows = expected_rows(conversations, per)
        history_per = 10
        seed_history(args.history_conversations, history_per)
        settle_writes()
        raw_s = raw_baseline(rows, args.history_conversations * history_per)
        sync_s, created, sync_cpu = pull_sync(shop, sim_process)
        # Replay: forget the cursors so the same pages are read and upserted again.
        from chat.models import Conversation, ShopSyncState

        ShopSyncState.objects.update(conversations_synced_until=None)
        Conversation.objects.update(synced_until=None)
        replay_s, replay_created, _ = pull_sync(shop, sim_process)
    finally:
        sim_process.kill()

    n = len(rows)
    raw_rate, sync_rate = n / raw_s, n / sync_s
    print(f"BM3 ingest, {n} messages, {n // 50} conversations, PostgreSQL on loopback")
    print(
        f"  history before the run: {args.history_conversations * history_per} messages in"
        f" {args.history_conversations} conversations (and as many rows in the baseline table)"
    )
    print(f"  baseline  INSERT..SELECT unnest ON CONFLICT, 1000/batch: {raw_rate:,.0f} rows/s")
    print(f"  pull-sync (HTTP to simulator + models):              {sync_rate:,.0f} rows/s")
    print(
        f"  CPU during the sync ({sync_s:.2f} s): "
        + ", ".join(f"{name} {used:.2f} s" for name, used in sync_cpu.items())
        + f" ({sum(sync_cpu.values()) / sync_s:.2f} of {os.cpu_count()} cores)"
    )
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

    stats = webhook_load(
        settings.SHOPEE_PARTNER_KEY,
        args.push_seconds,
        args.push_rate,
        args.web_processes,
        args.push_warmup_seconds,
    )
    stored = InboundEvent.objects.count() - stats["warmup"]
    print(
        f"  webhook warm-up: {stats['warmup']} pushes, {stats['warmup_ok']} answered 200,"
        f" slowest {stats['warmup_max']:.0f} ms (not measured)"
    )
    print(
        f"  webhook: {stats['sent']} pushes at {stats['rate']:.0f}/s, "
        f"{stats['ok']} answered 200, {stored} stored"
    )
    print(f"  webhook statuses {stats['statuses']}")
    print(
        f"  webhook latency p50 {stats['p50']:.1f} ms, p99 {stats['p99']:.1f} ms"
        f" (sends behind schedule by {stats['late_p99']:.1f} ms at p99)"
    )
    ok = stats["p99"] <= 200 and stored == stats["sent"] and stats["rate"] >= 0.95 * args.push_rate
    print(
        f"  webhook: p99 <= 200 ms at {args.push_rate}/s, every push stored -> "
        f"{'PASS' if ok else 'FAIL'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
