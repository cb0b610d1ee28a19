"""BM6: buyer push -> auto-reply accepted by the simulator, against push -> stored message.

Starts daphne and a Celery worker (`-c 2 -Q webhooks_in,outbound,outbound_retry,default
--prefetch-multiplier 1`) with production settings, and the Shopee simulator in this process
(its `send_autoreply_message` handler stamps each accepted auto-reply). One connected MY shop has
one catch-all auto-reply rule with a template in Malay. Each push is a new buyer's first message
(a real phrase from the simulator's phrase book, so the classifier does real work), made in the
simulator and POSTed signed to `/webhooks/shopee/` at `--rate`/s, open loop, over keep-alive
connections. In the same run, from the same process:
- baseline: push sent -> its Message row committed (Message.created_at), the ingest path alone;
- goal: p95(push sent -> auto-reply accepted by the simulator) <= 1 s at 50 pushes/s;
  the ratio to the baseline's p95 is reported;
- 0 duplicate auto-replies (counted at the simulator, per buyer) after replaying `--replay-pct`
  of the pushes, and every push answered once;
- the classifier's share: `text_classify` timed in this process on the same texts, p50 and p95,
  against the end-to-end p50 and p95.

Loopback only; every loop is bounded by a count and a wall-clock cap.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shopee_cs \
      .venv/bin/python bench/bm6_auto_reply.py [--pushes 1000 --rate 50]
"""

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC
from pathlib import Path

from _load import HttpConnection, cpu_report, cpu_snapshot
from _rig import pct, production_env, settle_writes
from _servers import start_processes, wait_ready

KEY = "shpk" + "7a" * 32
CANONICAL = "https://cs.example.com/webhooks/shopee/"  # what Shopee signs; we post to loopback
SHOP_ID = "100000000000000601"
SIM_PORT = 8796
ENV = production_env(
    KEY,
    SHOPEE_PUSH_CALLBACK_URL=CANONICAL,
    SHOPEE_HOST=f"http://127.0.0.1:{SIM_PORT}",
    LOG_LEVEL="WARNING",
)
REPLY_MS = "Hai {{buyer_name}}, terima kasih kerana menghubungi kami! Kami akan membalas segera."


def start_sim():
    """The simulator in this process; accepted auto-replies stamped by buyer id."""
    from integrations.shopee.simulator import SimConfig, SimShop, api, start_simulator

    accepted: dict[str, list[float]] = {}
    method, public, handler = api.ROUTES["/api/v2/sellerchat/send_autoreply_message"]
    lock = threading.Lock()

    def stamped(sim, c):
        result = handler(sim, c)  # raises on a refusal: only accepted sends are stamped
        with lock:
            accepted.setdefault(str(result["to_id"]), []).append(time.time())
        return result

    api.ROUTES["/api/v2/sellerchat/send_autoreply_message"] = (method, public, stamped)
    config = SimConfig(
        partner_id=int(ENV["SHOPEE_PARTNER_ID"]),
        partner_key=KEY,
        shops=[SimShop(SHOP_ID, "MY", "BM6 shop")],
        seed=6,
    )
    handle = start_simulator(config, port=SIM_PORT)
    return handle, accepted


def seed(sim) -> None:
    from automation.models import AutoReplyRule, ReplyTemplate, TemplateVariant
    from integrations.models import Shop
    from integrations.services.tokens import shop_tokens_store
    from integrations.shopee.mapping import token_pair_from_shopee
    from shopee_cs.security.services.setup import allowlist_entry_add

    allowlist_entry_add(cidr="127.0.0.1/32", note="BM6 loopback")  # the allowlist stays on
    shop = Shop.objects.create(platform_shop_id=SHOP_ID, site="MY", name="BM6 shop")
    shop_tokens_store(
        shop=shop, pair=token_pair_from_shopee(sim.issue_tokens(SHOP_ID), shop_id=SHOP_ID)
    )
    template = ReplyTemplate.objects.create(title="BM6 hello", default_language="ms")
    TemplateVariant.objects.create(template=template, language="ms", text=REPLY_MS)
    TemplateVariant.objects.create(
        template=template, language="en", text="Hi {{buyer_name}}, thanks! We will reply soon."
    )
    AutoReplyRule.objects.create(name="BM6 catch-all", template=template, cooldown_seconds=0)


def make_pushes(sim, n: int) -> tuple[list[bytes], list[str], list[str]]:
    """n new buyers' first messages, created in the simulator; their push bodies as Shopee
    would POST them, the buyer ids and the texts."""
    from integrations.shopee.simulator import buyer_message
    from integrations.shopee.simulator.phrases import PHRASES

    phrases = [p for by_lang in PHRASES.values() for p in by_lang.get("ms", [])]
    bodies, buyers, texts = [], [], []
    for i in range(n):
        text = phrases[i % len(phrases)]
        buyer_id = 500_000_000 + i
        buyer_message(sim, shop_id=SHOP_ID, buyer_id=buyer_id, text=text, lang="ms")
        buyers.append(str(buyer_id))
        texts.append(text)
    with sim.lock:
        pending = list(sim.lost_pushes)
        sim.lost_pushes[:] = []
    for entry in pending:
        body = {"data": json.loads(entry["data"]), "code": entry["code"],
                "timestamp": int(time.time()), "shop_id": entry["shop_id"]}  # fmt: skip
        bodies.append(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode())
    assert len(bodies) == n, (len(bodies), n)
    return bodies, buyers, texts


async def run_load(args, port: int, bodies: list[bytes], replays: list[int]) -> dict:
    from integrations.shopee.push import push_signature

    pool: asyncio.Queue = asyncio.Queue()
    for _ in range(args.http_connections):
        pool.put_nowait(HttpConnection(port))
    sent: dict[int, float] = {}
    statuses: Counter = Counter()
    errors: list[str] = []

    async def post(i: int, replay: bool) -> None:
        body = bodies[i]
        signature = push_signature(CANONICAL, KEY, body)
        conn = await pool.get()
        stamp = {}
        try:
            status = await conn.post(
                "/webhooks/shopee/", body, {"Authorization": signature},
                lambda: stamp.setdefault("t", time.time()),
            )  # fmt: skip
        except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
            await conn.close()
            errors.append(f"push {i}: {type(exc).__name__}: {exc}")
            status = -1
        finally:
            pool.put_nowait(conn)
        statuses[("replay", status) if replay else status] += 1
        if not replay:
            sent[i] = stamp["t"]

    plan = [(i, False) for i in range(len(bodies))] + [(i, True) for i in replays]
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
        tasks.append(asyncio.create_task(post(i, replay)))
    await asyncio.gather(*tasks)
    return {"sent": sent, "statuses": statuses, "errors": errors,
            "send_s": time.perf_counter() - t0}  # fmt: skip


def wait_answers(accepted: dict, buyers: list[str], timeout: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if sum(1 for b in buyers if b in accepted) >= len(buyers):
            break
        time.sleep(0.1)
    return time.monotonic() - start


def classifier_times(texts: list[str]) -> list[float]:
    from automation.services.classification import text_classify

    for text in texts[:50]:
        text_classify(text, site="MY")  # warm (a model loads once per process)
    samples = []
    for text in texts:
        start = time.perf_counter()
        text_classify(text, site="MY")
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pushes", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--replay-pct", type=float, default=10.0)
    parser.add_argument("--port", type=int, default=8797)
    parser.add_argument("--http-connections", type=int, default=16)
    parser.add_argument("--max-seconds", type=float, default=300)
    parser.add_argument("--drain-timeout", type=float, default=120)
    parser.add_argument("--settle", type=float, default=3.0)
    args = parser.parse_args()

    os.environ.update(ENV)
    base_redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
    os.environ["REDIS_URL"] = f"{base_redis}/12"
    from redis import Redis

    Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    from _rig import setup_django

    setup_django("shopee_cs_bench_bm6")
    import psutil

    handle, accepted = start_sim()
    sim = handle.sim
    seed(sim)
    total = args.warmup + args.pushes
    bodies, buyers, texts = make_pushes(sim, total)
    step = max(1, round(100 / args.replay_pct)) if args.replay_pct > 0 else 0
    replays = list(range(args.warmup, total, step)) if step else []
    settle_writes()

    logdir = Path(tempfile.mkdtemp(prefix="bm6-"))
    load_before = os.getloadavg()
    daphne, worker = start_processes({**os.environ}, args.port, logdir, "WARNING")
    me = psutil.Process()
    try:
        wait_ready(args.port)
        procs = {"daphne": psutil.Process(daphne.pid), "worker": psutil.Process(worker.pid)}
        cpu_before = cpu_snapshot(me, procs)
        result = asyncio.run(run_load(args, args.port, bodies, replays))
        drain_s = wait_answers(accepted, buyers, args.drain_timeout)
        time.sleep(args.settle)  # late duplicates would still be counted
        cpu_after = cpu_snapshot(me, procs)
    finally:
        for proc in (daphne, worker):
            proc.terminate()
        for proc in (daphne, worker):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        handle.stop()
        Redis.from_url(os.environ["REDIS_URL"]).flushdb()

    from chat.models import Message

    stored_at = {
        pid: at.astimezone(UTC).timestamp()
        for pid, at in Message.objects.filter(direction="in").values_list(
            "platform_message_id", "created_at"
        )
    }
    message_ids = [json.loads(b)["data"]["content"]["message_id"] for b in bodies]
    measured = [i for i in range(args.warmup, total) if i in result["sent"]]
    auto_ms = [
        (accepted[buyers[i]][0] - result["sent"][i]) * 1000
        for i in measured
        if buyers[i] in accepted
    ]
    stored_ms = [
        (stored_at[message_ids[i]] - result["sent"][i]) * 1000
        for i in measured
        if message_ids[i] in stored_at
    ]
    unanswered = sum(1 for i in measured if buyers[i] not in accepted)
    duplicates = sum(len(v) - 1 for v in accepted.values() if len(v) > 1)
    classify_ms = classifier_times([texts[i] for i in measured])
    cpu = cpu_report(cpu_before, cpu_after)

    p95_auto, p95_stored = pct(auto_ms, 95), pct(stored_ms, 95)
    print(
        f"BM6 push -> auto-reply accepted, {len(measured)} pushes at {args.rate:g}/s "
        f"(+{args.warmup} warm-up, +{len(replays)} replays); daphne x1 + celery worker -c 2, "
        f"production settings, simulator in-process, loopback"
    )
    print(f"  load average before: {' '.join(f'{x:.2f}' for x in load_before)}; logs in {logdir}")
    print(f"  baseline push -> stored message: p50 {pct(stored_ms, 50):.1f} ms, "
          f"p95 {p95_stored:.1f} ms (n={len(stored_ms)})")  # fmt: skip
    print(f"  push -> auto-reply accepted: p50 {pct(auto_ms, 50):.1f} ms, p95 {p95_auto:.1f} ms, "
          f"p99 {pct(auto_ms, 99):.1f} ms, max {max(auto_ms, default=float('nan')):.1f} ms "
          f"(n={len(auto_ms)}); all answered in {drain_s:.1f} s after the last push")  # fmt: skip
    print(f"  classifier (text_classify, this process): p50 {pct(classify_ms, 50):.2f} ms, "
          f"p95 {pct(classify_ms, 95):.2f} ms = {pct(classify_ms, 50) / pct(auto_ms, 50):.1%} "
          f"of the end-to-end p50, {pct(classify_ms, 95) / p95_auto:.1%} of the p95")  # fmt: skip
    print(f"  HTTP statuses {dict(result['statuses'])}; errors {len(result['errors'])}"
          f"{': ' + result['errors'][0] if result['errors'] else ''}")  # fmt: skip
    print(f"  CPU: {json.dumps(cpu)}")
    ok_p95 = p95_auto <= 1000
    ok_dup = duplicates == 0 and unanswered == 0
    print(f"BM6 p95 push -> auto-reply: {p95_auto:.0f} ms (goal <= 1000 ms) -> "
          f"{'PASS' if ok_p95 else 'FAIL'}; ratio to push -> stored p95: "
          f"{p95_auto / p95_stored:.1f}x")  # fmt: skip
    print(f"BM6 duplicates / unanswered: {duplicates} / {unanswered} (goal 0 / 0) -> "
          f"{'PASS' if ok_dup else 'FAIL'}")  # fmt: skip
    sys.exit(0 if ok_p95 and ok_dup else 1)


if __name__ == "__main__":
    main()
