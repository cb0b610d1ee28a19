"""BM1: webhook -> agent websocket latency, against raw PostgreSQL commit + Redis pub/sub.

Starts daphne and a Celery worker (`-c 2 -Q webhooks_in,outbound,outbound_retry,default
--prefetch-multiplier 1`) with production settings (daphne processes pushes itself within
PUSH_INLINE_CPU_SHARE, the worker takes the rest; the report counts the worker's share),
connects `--agents` OTP-verified agent sockets to `/ws/agent/` (agents spread over `--groups`
agent groups owning `--shops` shops), then POSTs signed Shopee chat pushes to
`/webhooks/shopee/` at `--rate`/s and timestamps each `chat.message_created` on every socket.
In the same run, from the same process:
- baseline: a bare `INSERT ... ON CONFLICT DO NOTHING` + COMMIT round trip (psycopg) and a raw
  Redis PUBLISH -> subscriber receive round trip, p95 each, measured idle just before the load
  (and sampled every 200 ms during the load, for information);
- goal: p95(POST sent -> chat.message_created on an authorised socket)
  <= 3 x (p95 insert+commit + p95 pub/sub) + 10 ms; also <= 40 x p95 pub/sub, p95 <= 50 ms and
  p99 <= 150 ms (sanity ceilings for 2 cores), webhook HTTP p99 <= 200 ms;
- correctness: every push delivered once to every authorised socket, none to another group's
  sockets, every `chat.conversation_updated` delivered too, and 0 duplicate message rows after
  replaying 10% of the pushes;
- stages from the stored rows (InboundEvent.received_at / processed_at, Message.created_at):
  where the time goes.

Loopback only; every loop is bounded by a count and a wall-clock cap. The IP allowlist stays
enforced (production): the script adds a global 127.0.0.1/32 entry.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shopee_cs \
      .venv/bin/python bench/bm1_webhook_to_ws.py [--pushes 1000 --rate 50 --agents 20]
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from _agents import seed
from _load import HttpConnection, baseline_insert, baseline_pubsub, cpu_report, cpu_snapshot
from _rig import chat_push_body, conninfo, pct, production_env, settle_writes, verdict
from _servers import start_processes, wait_ready

KEY = "shpk" + "7a" * 32
CANONICAL = "https://cs.example.com/webhooks/shopee/"  # what Shopee signs; we post to loopback
SHOP_BASE = 100_000_000_000_001_000
ENV = production_env(
    KEY,
    SHOPEE_PUSH_CALLBACK_URL=CANONICAL,
    SHOPEE_HOST="http://127.0.0.1:1",  # a chat push with its message calls no API
    LOG_LEVEL="INFO",  # production's level: daphne writes an access-log line per request
)


# -- the load: one asyncio loop (HTTP sender, sockets, probes) ---------------------------------


async def agent_socket(agent: dict, port: int, received: list, counts: Counter, ready, stop):
    from websockets.asyncio.client import connect

    url = f"ws://127.0.0.1:{port}/ws/agent/"
    async with connect(
        url,
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": agent["cookie"]},
        open_timeout=20,
        max_queue=None,
    ) as ws:
        ready.set()
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout=0.5)
            except TimeoutError:
                continue
            now = time.perf_counter()
            event = json.loads(raw)
            kind = event.get("type")
            counts[(agent["index"], kind)] += 1
            if kind == "chat.message_created":
                message = event["message"]
                received.append(
                    (agent["index"], message["platform_message_id"], message["shop_id"], now)
                )


async def run_load(
    args, port: int, agents: list, bodies: list, groups_of: list[int], replays: list[int]
) -> dict:
    import psycopg
    from redis.asyncio import Redis as AsyncRedis

    from integrations.shopee.push import push_signature

    received: list = []
    counts: Counter = Counter()
    stop = asyncio.Event()
    readies = [asyncio.Event() for _ in agents]
    sockets = [
        asyncio.create_task(agent_socket(a, port, received, counts, readies[k], stop))
        for k, a in enumerate(agents)
    ]
    ready_wait = asyncio.gather(*(r.wait() for r in readies))
    done, _ = await asyncio.wait([asyncio.ensure_future(ready_wait), *sockets], timeout=60,
                                 return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
    for task in sockets:
        if task in done:
            task.result()  # a refused handshake raises here
    if not all(r.is_set() for r in readies):
        raise SystemExit("not every agent socket connected within 60 s")
    await asyncio.sleep(1.0)  # connect-time events (countdown, presence) settle

    # Baselines, idle, same process and loop.
    pg = await psycopg.AsyncConnection.connect(conninfo())
    await pg.execute(
        "CREATE TABLE bm1_raw (id bigserial PRIMARY KEY, shop_id bigint NOT NULL,"
        " provider_msg_id text NOT NULL UNIQUE, body text, created_at timestamptz NOT NULL)"
    )
    await pg.execute("CREATE INDEX ON bm1_raw (shop_id, created_at)")
    await pg.commit()
    redis = AsyncRedis.from_url(os.environ["REDIS_URL"])
    pubsub = redis.pubsub()
    await pubsub.subscribe("bm1:probe")
    await pubsub.get_message(timeout=1.0)
    await baseline_insert(pg, 50, 10, "warm")
    await baseline_pubsub(redis, pubsub, 50, 10)
    base_insert = await baseline_insert(pg, args.baseline_samples, 60, "idle")
    base_pubsub = await baseline_pubsub(redis, pubsub, args.baseline_samples, 60)

    # The pushes: warm-up, measured, then 10% replays, open loop at `rate`/s.
    import psutil

    pool: asyncio.Queue = asyncio.Queue()
    for _ in range(args.http_connections):
        pool.put_nowait(HttpConnection(port))
    sent: dict[int, float] = {}
    http_ms: dict[int, float] = {}
    lag_ms: list[float] = []
    statuses: Counter = Counter()
    replay_statuses: Counter = Counter()
    errors: list[str] = []

    async def post(i: int, scheduled: float, replay: bool) -> None:
        body = bodies[i]
        signature = push_signature(CANONICAL, KEY, body)
        conn = await pool.get()
        stamp = {}

        def on_sent() -> None:
            stamp["t"] = time.perf_counter()

        try:
            status = await conn.post("/webhooks/shopee/", body, {"Authorization": signature},
                                     on_sent)  # fmt: skip
        except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
            await conn.close()
            errors.append(f"push {i}: {type(exc).__name__}: {exc}")
            status = -1
        finally:
            pool.put_nowait(conn)
        lag_ms.append((stamp.get("t", scheduled) - scheduled) * 1000)
        if replay:
            replay_statuses[status] += 1
            return
        sent[i] = stamp["t"]
        http_ms[i] = (time.perf_counter() - stamp["t"]) * 1000
        statuses[status] += 1

    probe_insert: list[float] = []
    probe_pubsub: list[float] = []
    load_done = asyncio.Event()

    async def probes() -> None:  # the same baselines, sampled every 200 ms under load
        k = 0
        while not load_done.is_set() and k < 10_000:
            probe_insert.extend(await baseline_insert(pg, 1, 5, f"load{k}-"))
            probe_pubsub.extend(await baseline_pubsub(redis, pubsub, 1, 5))
            k += 1
            await asyncio.sleep(0.2)

    plan = [(i, False) for i in range(len(bodies))] + [(i, True) for i in replays]
    me = psutil.Process()
    cpu_before = cpu_snapshot(me, _procs)
    probe_task = asyncio.create_task(probes())
    tasks = []
    t0 = time.perf_counter()
    cap = t0 + args.max_seconds
    for k, (i, replay) in enumerate(plan):
        scheduled = t0 + k / args.rate
        if scheduled > cap:
            errors.append(f"wall-clock cap {args.max_seconds}s reached after {k} pushes")
            break
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(post(i, scheduled, replay)))
    await asyncio.gather(*tasks)
    send_s = time.perf_counter() - t0

    # Drain: until every authorised socket has every push, bounded; then a settle window so
    # late duplicates or strays would still be counted.
    expected = sum(1 for i in sent for a in agents if groups_of[i] == a["group"])
    deadline = time.perf_counter() + args.drain_timeout
    while len(received) < expected and time.perf_counter() < deadline:
        await asyncio.sleep(0.05)
    drained_s = time.perf_counter() - t0
    drained = len(received) >= expected
    await asyncio.sleep(args.settle)
    load_done.set()
    cpu_after = cpu_snapshot(me, _procs)
    await probe_task
    stop.set()
    await asyncio.gather(*sockets, return_exceptions=True)
    await pubsub.aclose()
    await redis.aclose()
    await pg.close()
    return {
        "received": received,
        "counts": counts,
        "sent": sent,
        "http_ms": http_ms,
        "lag_ms": lag_ms,
        "statuses": statuses,
        "replay_statuses": replay_statuses,
        "errors": errors,
        "base_insert": base_insert,
        "base_pubsub": base_pubsub,
        "probe_insert": probe_insert,
        "probe_pubsub": probe_pubsub,
        "send_s": send_s,
        "drained_s": drained_s,
        "drained": drained,
        "cpu": (cpu_before, cpu_after),
        "perf_to_wall": time.time() - time.perf_counter(),
        "t0": t0,
    }


_procs: dict[str, object] = {}


# -- analysis ---------------------------------------------------------------------------------


def analyse(args, result: dict, shop_map: dict, agents: list, push_shop: list[str],
            warmup: int) -> dict:  # fmt: skip
    from django.db.models import Count

    from chat.models import InboundEvent, Message

    to_wall = result["perf_to_wall"]
    group_of_pk = {pk: g for pk, g in shop_map.values()}
    pid_to_push = {str(9_100_000_000_000_000_000 + i): i for i in range(len(push_shop))}
    per_socket: dict[int, Counter] = defaultdict(Counter)
    foreign = 0
    first_recv: dict[int, float] = {}
    last_recv: dict[int, float] = {}
    latencies: list[float] = []
    windows: dict[int, list[float]] = defaultdict(list)  # 5 s of send time -> latencies
    agent_group = {a["index"]: a["group"] for a in agents}
    for agent_index, pid, shop_pk, at in result["received"]:
        i = pid_to_push.get(pid)
        if i is None or group_of_pk.get(shop_pk) != agent_group[agent_index]:
            foreign += 1
            continue
        if shop_map[push_shop[i]][0] != shop_pk:
            foreign += 1
            continue
        per_socket[agent_index][i] += 1
        if per_socket[agent_index][i] > 1:
            continue
        first_recv[i] = min(first_recv.get(i, at), at)
        last_recv[i] = max(last_recv.get(i, at), at)
        if i >= warmup and i in result["sent"]:
            latencies.append((at - result["sent"][i]) * 1000)
            windows[int((result["sent"][i] - result["t0"]) // 5)].append(latencies[-1])
    missing = duplicates = 0
    for a in agents:
        got = per_socket[a["index"]]
        for i in result["sent"]:
            if shop_map[push_shop[i]][1] == a["group"]:
                missing += got[i] == 0
        duplicates += sum(c - 1 for c in got.values() if c > 1)
    # Conversation updates: one per push, to the same sockets.
    conv_expected = {
        a["index"]: sum(1 for i in result["sent"] if shop_map[push_shop[i]][1] == a["group"])
        for a in agents
    }
    conv_short = sum(
        max(0, conv_expected[k] - result["counts"][(k, "chat.conversation_updated")])
        for k in conv_expected
    )

    # Stored rows: where the time goes.
    events = {
        key.rsplit(":", 1)[1]: (
            received.timestamp(),
            processed.timestamp() if processed else None,
            status,
        )
        for key, received, processed, status in InboundEvent.objects.values_list(
            "dedup_key", "received_at", "processed_at", "status"
        )
    }
    created = dict(Message.objects.values_list("platform_message_id", "created_at"))
    dup_rows = (
        Message.objects.values("shop_id", "platform_message_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    stages = defaultdict(list)
    for i in range(warmup, len(push_shop)):
        pid = str(9_100_000_000_000_000_000 + i)
        if i not in result["sent"] or pid not in events or i not in first_recv:
            continue
        sent_w = result["sent"][i] + to_wall
        rec_w, proc_w, _ = events[pid]
        msg_w = created[pid].timestamp() if pid in created else None
        stages["http response"].append(result["http_ms"][i])
        stages["sent -> InboundEvent.received_at"].append((rec_w - sent_w) * 1000)
        if msg_w is not None and proc_w is not None:
            stages["received_at -> Message.created_at (commit, processing thread)"].append(
                (msg_w - rec_w) * 1000
            )
            stages["Message.created_at -> processed_at (ingest)"].append((proc_w - msg_w) * 1000)
            stages["processed_at -> 1st socket (commit, group_send, daphne)"].append(
                (first_recv[i] + to_wall - proc_w) * 1000
            )
        stages["1st -> last authorised socket"].append((last_recv[i] - first_recv[i]) * 1000)
    return {
        "latencies": latencies,
        "windows": windows,
        "missing": missing,
        "duplicate_deliveries": duplicates,
        "foreign": foreign,
        "conv_short": conv_short,
        "stored_events": len(events),
        "processed_events": sum(1 for e in events.values() if e[2] == "processed"),
        "message_rows": Message.objects.count(),
        "dup_rows": dup_rows,
        "stages": stages,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pushes", type=int, default=1000, help="measured pushes")
    parser.add_argument(
        "--warmup", type=int, help="pushes before measuring (default: 10 s of them, per protocol)"
    )
    parser.add_argument("--rate", type=float, default=50.0, help="pushes per second")
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--groups", type=int, default=4)
    parser.add_argument("--shops", type=int, default=8)
    parser.add_argument("--replay-pct", type=float, default=10.0)
    parser.add_argument("--baseline-samples", type=int, default=1000)
    parser.add_argument("--http-connections", type=int, default=16)
    parser.add_argument("--port", type=int, default=8811)
    parser.add_argument("--max-seconds", type=float, default=300, help="cap on the push phase")
    parser.add_argument("--drain-timeout", type=float, default=60)
    parser.add_argument("--settle", type=float, default=2.0)
    parser.add_argument("--json", help="write the summary here too")
    parser.add_argument("--worker-log-level", default="INFO", help="INFO logs the tasks it runs")
    args = parser.parse_args()
    if args.warmup is None:
        args.warmup = round(10 * args.rate)

    os.environ.update(ENV)
    base_redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
    os.environ["REDIS_URL"] = f"{base_redis}/12"
    from redis import Redis

    Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    from _rig import setup_django

    setup_django("shopee_cs_bench_bm1")
    import psutil

    shop_map, agents = seed(args.shops, args.groups, args.agents, SHOP_BASE)
    settle_writes()
    platform_shops = sorted(shop_map)
    total = args.warmup + args.pushes
    push_shop = [platform_shops[i % len(platform_shops)] for i in range(total)]
    bodies = [
        chat_push_body(i, push_shop[i], id_base=9_100_000_000_000_000_000) for i in range(total)
    ]
    groups_of = [shop_map[push_shop[i]][1] for i in range(total)]
    step = max(1, round(100 / args.replay_pct)) if args.replay_pct > 0 else 0
    replays = list(range(args.warmup, total, step)) if step else []

    logdir = Path(tempfile.mkdtemp(prefix="bm1-"))
    load_before = os.getloadavg()
    daphne, worker = start_processes({**os.environ}, args.port, logdir, args.worker_log_level)
    try:
        wait_ready(args.port)
        _procs["daphne"] = psutil.Process(daphne.pid)
        _procs["worker"] = psutil.Process(worker.pid)
        result = asyncio.run(run_load(args, args.port, agents, bodies, groups_of, replays))
        time.sleep(1.0)  # the replays' tasks (no-ops) finish
        report = analyse(args, result, shop_map, agents, push_shop, args.warmup)
    finally:
        for proc in (daphne, worker):
            proc.terminate()
        for proc in (daphne, worker):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        Redis.from_url(os.environ["REDIS_URL"]).flushdb()

    lat = report["latencies"]
    http = [result["http_ms"][i] for i in result["http_ms"] if i >= args.warmup]
    p95_ins, p95_ps = pct(result["base_insert"], 95), pct(result["base_pubsub"], 95)
    p95, p99 = pct(lat, 95), pct(lat, 99)
    budget = 3 * (p95_ins + p95_ps) + 10
    cpu = cpu_report(*result["cpu"])
    logs = {name: (logdir / f"{name}.log").read_text() for name in ("daphne", "worker")}
    by_worker = sum(
        1
        for line in logs["worker"].splitlines()
        if "chat.inbound_event_process[" in line and "received" in line
    )
    log_errors = sum(
        line.count("ERROR") + line.count("Traceback")
        for text in logs.values()
        for line in text.splitlines()
    )

    n_sent = sum(1 for i in result["sent"] if i >= args.warmup)
    print(
        f"BM1 webhook -> agent websocket, {n_sent} pushes at {args.rate:g}/s (+{args.warmup} "
        f"warm-up, +{len(replays)} replays), {args.agents} agents / {args.groups} groups / "
        f"{args.shops} shops; daphne x1 + celery worker -c 2, production settings, loopback"
    )
    print(f"  load average before: {' '.join(f'{x:.2f}' for x in load_before)}; "
          f"logs in {logdir}")  # fmt: skip
    print(f"  baseline INSERT..ON CONFLICT + COMMIT: p50 "
          f"{pct(result['base_insert'], 50):.2f} ms, "
          f"p95 {p95_ins:.2f} ms (idle, n={len(result['base_insert'])}); under load p95 "
          f"{pct(result['probe_insert'], 95):.2f} ms, max "
          f"{max(result['probe_insert'], default=float('nan')):.1f} ms "
          f"(n={len(result['probe_insert'])})")  # fmt: skip
    print(f"  baseline Redis PUBLISH -> receive:     p50 "
          f"{pct(result['base_pubsub'], 50):.2f} ms, "
          f"p95 {p95_ps:.2f} ms (idle, n={len(result['base_pubsub'])}); under load p95 "
          f"{pct(result['probe_pubsub'], 95):.2f} ms "
          f"(n={len(result['probe_pubsub'])})")  # fmt: skip
    print(f"  webhook -> socket: p50 {pct(lat, 50):.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms, "
          f"max {max(lat) if lat else float('nan'):.1f} ms ({len(lat)} deliveries)")  # fmt: skip
    print(f"  webhook HTTP: p50 {pct(http, 50):.1f} ms, p95 {pct(http, 95):.1f} ms, "
          f"p99 {pct(http, 99):.1f} ms; statuses {dict(result['statuses'])}, replays "
          f"{dict(result['replay_statuses'])}")  # fmt: skip
    print(
        f"  generator lag (actual - scheduled send) p99 {pct(result['lag_ms'], 99):.1f} ms; "
        f"sent in {result['send_s']:.1f} s, drain "
        f"{'complete' if result['drained'] else 'TIMED OUT'} at {result['drained_s']:.1f} s"
    )
    print("  stages (measured pushes), ms:")
    for name, values in report["stages"].items():
        print(f"    {name:<68} p50 {pct(values, 50):7.1f}  p95 {pct(values, 95):7.1f}  "
              f"p99 {pct(values, 99):7.1f}")  # fmt: skip
    budget_ok = sum(1 for v in report["windows"].values() if pct(v, 95) <= budget)
    print(
        f"  webhook -> socket p95 by 5 s of send time ({budget_ok} of {len(report['windows'])} "
        "within the budget), ms: "
        + " ".join(f"{pct(v, 95):.0f}" for _, v in sorted(report["windows"].items()))
    )
    print(f"  CPU over the push phase ({cpu['wall_s']:.1f} s): machine "
          f"{cpu['machine_pct_of_all_cores']:.0f}% of {os.cpu_count()} cores; % of one core: "
          f"generator {cpu['generator_pct_of_one_core']:.0f}, daphne "
          f"{cpu['daphne_pct_of_one_core']:.0f}, worker (all processes) "
          f"{cpu['worker_pct_of_one_core']:.0f}, everything else (PostgreSQL, Redis, other) "
          f"{cpu['others_pct_of_one_core']:.0f}")  # fmt: skip
    print(f"  stored: {report['stored_events']} inbound events ({report['processed_events']} "
          f"processed), {report['message_rows']} messages, {report['dup_rows']} duplicate "
          f"message keys; {by_worker} processed by the worker, the rest by daphne; errors in "
          f"server logs {log_errors}; client errors {len(result['errors'])}")  # fmt: skip
    for line in result["errors"][:5]:
        print(f"    {line}")
    ratio = p95 / budget
    print("  " + verdict("p95 / (3 x (p95 insert+commit + p95 pub/sub) + 10 ms)", ratio,
                         f"<= 1 (budget {budget:.1f} ms)", ratio <= 1))  # fmt: skip
    print("  " + verdict("p95 / p95 pub/sub", p95 / p95_ps, "<= 40", p95 / p95_ps <= 40))
    print("  " + verdict("p95 absolute (ms)", p95, "<= 50", p95 <= 50))
    print("  " + verdict("p99 absolute (ms)", p99, "<= 150", p99 <= 150))
    http_p99 = pct(http, 99)
    print("  " + verdict("webhook HTTP p99 (ms)", http_p99, "<= 200", http_p99 <= 200))
    expected_total = sum(
        1 for i in result["sent"] for a in agents if shop_map[push_shop[i]][1] == a["group"]
    )
    ok = (
        report["missing"] == 0
        and report["duplicate_deliveries"] == 0
        and report["conv_short"] == 0
        and result["statuses"].get(200, 0) == len(result["sent"])
    )
    print(
        f"  delivery: {expected_total - report['missing']}/{expected_total} to authorised "
        f"sockets, {report['duplicate_deliveries']} duplicate deliveries, "
        f"{report['conv_short']} conversation updates missing -> {'PASS' if ok else 'FAIL'}"
    )
    print(f"  isolation: {report['foreign']} deliveries to other groups' sockets -> "
          f"{'PASS' if report['foreign'] == 0 else 'FAIL'}")  # fmt: skip
    ok = (
        report["dup_rows"] == 0
        and report["message_rows"] == len(result["sent"])
        and result["replay_statuses"].get(200, 0) == len(replays)
    )
    print(f"  replay of {len(replays)} pushes: {report['message_rows']} message rows for "
          f"{len(result['sent'])} pushes, {report['dup_rows']} duplicates -> "
          f"{'PASS' if ok else 'FAIL'}")  # fmt: skip
    if args.json:
        summary = {
            "p50": pct(lat, 50), "p95": p95, "p99": p99, "http_p99": http_p99,
            "p95_insert": p95_ins, "p95_pubsub": p95_ps, "budget": budget, "ratio": ratio,
            "missing": report["missing"], "foreign": report["foreign"],
            "dup_rows": report["dup_rows"], "cpu": cpu,
            "stages": {k: {"p50": pct(v, 50), "p95": pct(v, 95)}
                       for k, v in report["stages"].items()},
        }  # fmt: skip
        Path(args.json).write_text(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
