"""BM5: outbox drain under faults, against the clean run and a no-op Celery task.

Run A sends N queued replies to N buyers of 50 shops through a real Celery worker (-c 2) to the
simulator (its own process), which limits every shop to 10 calls per second (error_rate_limit
beyond). Run B does the same with 20% 5xx, 5% accept-then-drop and 2% read timeouts, while a
worker child is killed with SIGKILL three times. Goals: drain(B) <= 2.5 x drain(A); send-path
throughput in A >= 0.3 x a no-op task's; 0 lost and 0 duplicates counted at the simulator. (No
retry countdown exceeds visibility_timeout / 2: enforced in chat.services.pipeline.outbox and
tested in tests/chat/test_outbox.py, not measured here.)

Scale (every waiting constant / 20, stated in the report): backoff base 0.1 s (2 s), unknown-
outcome read-back after 0.25 s (5 s), send read timeout 0.25 s (5 s), sweep grace 30 s (60 s,
not divided: it must exceed the time a healthy backlog takes to drain), stale "sending" rows
swept after 25 s with a 20 s task limit, the sweep sent every 2 s instead of beat's 60 s.

Environment knobs for looking inside a run: BM5_WORKER_LOG (file for the worker's log),
BM5_LOG_LEVEL and BM5_CELERY_LOG (its levels), BM5_PROGRESS=1 (print the drain's progress).

    python bench/bm5_outbox.py [--replies 2000] [--kills 3]
"""

import argparse
import os
import signal
import subprocess
import sys
import time

from _load import cpu_used, processes_named
from _rig import ROOT, production_env

KEY = "shpk" + "7a" * 32
SHOP_IDS = [str(100_000_000_000_000_700 + n) for n in range(50)]
# Calls per second per shop at the simulator; Shopee publishes no number (error_rate_limit only).
SHOP_RATE_LIMIT = 10
SIM_PORT = 8795
PROGRESS = bool(os.environ.get("BM5_PROGRESS"))
SCALE = production_env(
    KEY,
    SHOPEE_HOST=f"http://127.0.0.1:{SIM_PORT}",
    SHOPEE_HTTP_TIMEOUT="1,2",
    OUTBOX_BACKOFF_BASE_SECONDS="0.1",
    SHOPEE_SEND_TIMEOUT="1,0.25",
    OUTBOX_UNKNOWN_CHECK_SECONDS="0.25",
    OUTBOX_STALE_SENDING_SECONDS="25",
    OUTBOX_SWEEP_GRACE_SECONDS="30",
    CELERY_TASK_TIME_LIMIT="20",
    CELERY_TASK_SOFT_TIME_LIMIT="15",
    LOG_LEVEL=os.environ.get("BM5_LOG_LEVEL", "WARNING"),
)


def start_worker(env: dict) -> subprocess.Popen:
    # The worker keeps its own copy of the log descriptor once ours is closed.
    level = os.environ.get("BM5_CELERY_LOG", "WARNING")
    with open(os.environ.get("BM5_WORKER_LOG", os.devnull), "w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "shopee_cs", "worker", "-c", "2",
             "-Q", "outbound,outbound_retry,default,webhooks_in", "--prefetch-multiplier", "1",
             "-l", level],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log,
        )  # fmt: skip


def queue_replies(conversations, agent, tag: str) -> list[int]:
    """Queue one reply per conversation: the message and its outbox row, as the API does. The
    task messages are published when the timed drain starts, so the drain covers the whole
    backlog (not the tail left once queueing ends)."""
    from unittest import mock

    from chat.services.pipeline.outbox import message_send_reply

    ids = []
    with mock.patch("chat.services.pipeline.outbox._enqueue"):
        for conversation in conversations:
            message, _ = message_send_reply(
                conversation=conversation, user=agent, text=f"{tag} reply"
            )
            ids.append(message.delivery.pk)
    assert ids == list(range(ids[0], ids[0] + len(ids))), "the drain polls an id range"
    return ids


def drain(delivery_ids: list[int], timeout: float, kills: int, worker) -> float:
    """Seconds until every delivery is final; sweeps every 2 s; kills worker children."""
    import psutil
    from celery import current_app

    from chat.models import OutboundDelivery
    from chat.tasks import outbound_delivery_send_task

    start = time.perf_counter()
    for delivery_id in delivery_ids:
        outbound_delivery_send_task.delay(delivery_id)
    kill_at = [start + 1.5 + 2.0 * n for n in range(kills)]
    next_sweep = start + 2
    final = [OutboundDelivery.Status.SENT, OutboundDelivery.Status.FAILED]
    while True:
        # A range, not an IN list of thousands of ids: the poll must not load the database.
        done = OutboundDelivery.objects.filter(
            pk__gte=delivery_ids[0], pk__lte=delivery_ids[-1], status__in=final
        ).count()
        if done == len(delivery_ids):
            return time.perf_counter() - start
        now = time.perf_counter()
        if PROGRESS:
            print(f"    {now - start:5.1f} s: {done} final", flush=True)
        if now - start > timeout:
            raise SystemExit(f"drain did not finish in {timeout}s ({done}/{len(delivery_ids)})")
        if kill_at and now >= kill_at[0]:
            kill_at.pop(0)
            children = psutil.Process(worker.pid).children()
            if children:
                os.kill(children[0].pid, signal.SIGKILL)
        if now >= next_sweep:
            current_app.send_task("chat.outbound_deliveries_sweep")
            next_sweep = now + 2
        time.sleep(0.2)


def cpu_seconds(worker, sim) -> dict[str, float]:
    """CPU used so far by the worker (with its children), the simulator, PostgreSQL and Redis:
    they share the machine's two cores with this process."""
    import psutil

    root = psutil.Process(worker.pid)
    named = processes_named("postgres", "redis-server")
    return {
        "worker main": cpu_used([root]),
        "worker children": cpu_used(root.children(recursive=True)),
        "simulator": cpu_used([psutil.Process(sim.pid)]),
        "postgres": cpu_used(named["postgres"]),
        "redis": cpu_used(named["redis-server"]),
        "bench": cpu_used([psutil.Process()]),
    }


def noop_throughput(count: int) -> float:
    from celery import current_app
    from django.conf import settings
    from redis import Redis

    from shopee_cs.tasks import HEARTBEAT_COUNT_KEY

    redis = Redis.from_url(settings.REDIS_URL)
    redis.delete(HEARTBEAT_COUNT_KEY)
    start = time.perf_counter()
    for _ in range(count):
        current_app.send_task("shopee_cs.heartbeat")
    while int(redis.get(HEARTBEAT_COUNT_KEY) or 0) < count:
        time.sleep(0.01)
    return count / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replies", type=int, default=600)
    parser.add_argument("--kills", type=int, default=3)
    args = parser.parse_args()
    os.environ.update(SCALE)
    base_redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
    os.environ["REDIS_URL"] = f"{base_redis}/13"
    from _rig import setup_django

    setup_django("shopee_cs_bench_bm5")
    import requests
    from redis import Redis

    Redis.from_url(os.environ["REDIS_URL"]).flushdb()
    n = args.replies
    sim = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "_sim_server.py"), str(SIM_PORT), "2001887", KEY,
         ",".join(SHOP_IDS), str(2 * n), "1"],
        cwd=ROOT / "bench",
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert sim.stdout.readline().startswith("ready")
    worker = start_worker({**os.environ})
    try:
        from chat.models import Conversation, OutboundDelivery
        from chat.services.pipeline.reconcile import shop_reconcile
        from integrations.models import Shop
        from integrations.services.tokens import shop_tokens_store
        from integrations.shopee.mapping import token_pair_from_shopee
        from shopee_cs.models import User

        base = f"http://127.0.0.1:{SIM_PORT}"
        for shop_id in SHOP_IDS:
            shop = Shop.objects.create(platform_shop_id=shop_id, site="MY", name=f"Bench {shop_id}")
            issued = requests.post(f"{base}/__sim__/tokens", json={"shop_id": shop_id}, timeout=5)
            shop_tokens_store(
                shop=shop, pair=token_pair_from_shopee(issued.json(), shop_id=shop_id)
            )
            while not shop_reconcile(shop=shop).complete:
                pass
        assert Conversation.objects.count() == 2 * n
        limit = {"shop_rate_limit": SHOP_RATE_LIMIT}
        requests.post(f"{base}/__sim__/faults", json=limit, timeout=5)
        agent = User.objects.create_user("bench-agent")
        # Interleaved over the shops, as many agents replying at once would queue them.
        conversations = sorted(
            Conversation.objects.order_by("pk"),
            key=lambda c: (int(c.buyer_platform_id), c.pk),
        )
        noop = noop_throughput(n)

        ids_a = queue_replies(conversations[:n], agent, "A")
        cpu_before = cpu_seconds(worker, sim)
        drain_a = drain(ids_a, timeout=600, kills=0, worker=worker)
        cpu_a = {k: v - cpu_before[k] for k, v in cpu_seconds(worker, sim).items()}

        faults = {
            "error_5xx_pct": 20,
            "drop_pct": 5,
            "timeout_pct": 2,
            "timeout_seconds": 3,
            **limit,
        }
        faults["paths"] = ["/api/v2/sellerchat/send_message"]
        requests.post(f"{base}/__sim__/faults", json=faults, timeout=5)
        ids_b = queue_replies(conversations[n:], agent, "B")
        drain_b = drain(ids_b, timeout=900, kills=args.kills, worker=worker)

        stats = requests.get(f"{base}/__sim__/stats", timeout=5).json()
        slowest = (
            OutboundDelivery.objects.filter(pk__in=ids_b)
            .order_by("-updated_at")
            .values_list("pk", "attempts", "updated_at", "created_at")[:5]
        )
        for pk, attempts, updated, created in slowest:
            took = (updated - created).total_seconds()
            print(f"  slowest delivery #{pk}: {took:.1f} s, {attempts} attempts")
        per_buyer = stats["seller_messages_per_buyer"]
        buyers = {c.buyer_platform_id for c in conversations}
        delivered = [per_buyer.get(b, 0) for b in buyers]
        failed = OutboundDelivery.objects.filter(status="failed").count()
        lost = delivered.count(0) + failed
        duplicates = sum(1 for count in delivered if count > 1)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        sim.kill()

    rate_a = n / drain_a
    ratio = drain_b / drain_a
    print(f"BM5 outbox drain, {n} replies per run, worker -c 2, simulator in its own process")
    print(f"  no-op Celery task: {noop:,.0f} tasks/s; run A (clean): {rate_a:,.0f} sends/s")
    shares = ", ".join(f"{k} {v / n * 1000:.1f}" for k, v in cpu_a.items())
    print(f"  CPU per send in run A (ms): {shares}")
    print(f"  run A {drain_a:.1f} s, run B (20% 5xx, 5% drop, 2% timeout, 3 kills) {drain_b:.1f} s")
    print(f"  faults seen by the simulator: {stats['faults']}")
    print(f"  refusals answered by the simulator (both runs): {stats['errors']}")
    print(
        f"  drain(B)/drain(A): {ratio:.2f}x (goal <= 2.5) -> {'PASS' if ratio <= 2.5 else 'FAIL'}"
    )
    send_ratio = rate_a / noop
    verdict = "PASS" if send_ratio >= 0.3 else "FAIL"
    print(f"  send/no-op throughput: {send_ratio:.2f}x (goal >= 0.3) -> {verdict}")
    verdict = "PASS" if lost == 0 and duplicates == 0 else "FAIL"
    print(f"  lost {lost}, duplicates {duplicates} (counted at the simulator) -> {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
