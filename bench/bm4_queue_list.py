"""BM4: the inbox list API at 100k conversations against the equivalent keyset SQL.

    DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/bm4_queue_list.py [--conversations N]

Seeds N conversations (40% open) over 50 shops owned by 10 agent groups in a scratch database,
then, in the same run:
- baseline: the equivalent keyset SQL through psycopg: the same rows and columns a page returns
  (conversation, shop name/site/platform, assignee names; `shop_id = ANY(team shops) AND
  status='open' ... ORDER BY last_message_at DESC, id DESC LIMIT 51`), page 1, p95;
- the API (`GET /api/v1/conversations/?status=open&page_size=50`) through Django's test client
  in-process (full middleware, session + OTP auth, DRF, serializers; no HTTP server), as agents
  of the 10 teams in turn, p95; the SQL and the API requests alternate, and the run is
  repeated (--repeat, 3): the median of the per-run ratios decides;
- page 1,000 by cursor against page 1 (an admin's list of everything: a team sees only ~4k open
  conversations, 80 pages, so the deep page is taken from the whole table);
- the query count for page sizes 10, 50 and 100, and team isolation on every response.
"""

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _keyset_list import client_for, report, timed_get
from _rig import conninfo, pct, setup_django

SHOPS, TEAMS, PAGE = 50, 10, 50


def seed(n: int):
    from django.utils import timezone

    from chat.models import AgentGroup, Conversation
    from integrations.models import Shop
    from shopee_cs.models import User

    shops = Shop.objects.bulk_create(
        [Shop(platform_shop_id=str(10**9 + i), site="MY", name=f"Shop {i}") for i in range(SHOPS)]
    )
    teams, agents = [], []
    for t in range(TEAMS):
        group = AgentGroup.objects.create(name=f"Team {t}")
        group.shops.add(*shops[t * 5 : t * 5 + 5])
        agent = User.objects.create_user(f"agent{t}", password="x", is_staff=True)
        group.members.add(agent)
        teams.append({s.pk for s in shops[t * 5 : t * 5 + 5]})
        agents.append(agent)
    admin = User.objects.create_superuser("admin", password="x")
    rng = random.Random(4)
    now = timezone.now()
    batch = []
    for i in range(n):
        batch.append(
            Conversation(
                shop=shops[i % SHOPS],
                platform_conversation_id=str(2**55 + i),
                buyer_platform_id=str(10**6 + i),
                buyer_name=f"buyer{i}",
                status="open" if rng.random() < 0.4 else "resolved",
                last_message_at=now - timedelta(seconds=rng.randint(0, 30 * 86400)),
                last_message_preview="Is this in stock?",
                unread_count=rng.randint(0, 3),
            )
        )
        if len(batch) == 5000:
            Conversation.objects.bulk_create(batch)
            batch = []
    Conversation.objects.bulk_create(batch)
    return agents, teams, admin


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    base_redis = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
    os.environ["REDIS_URL"] = f"{base_redis}/11"  # its own database: sessions, throttle counters
    setup_django("shopee_cs_bench_bm4")
    from redis import Redis

    Redis.from_url(os.environ["REDIS_URL"]).flushdb()  # a run a minute ago must not throttle this
    import psycopg
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    t0 = time.perf_counter()
    agents, teams, admin = seed(args.conversations)

    with connection.cursor() as cursor:
        # Planner statistics, as autovacuum would have them after a bulk load.
        cursor.execute("ANALYZE")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"seeded {args.conversations} conversations in {time.perf_counter() - t0:.1f}s")

    # The equivalent keyset SQL: the rows and columns an inbox page returns (the conversation,
    # its shop's name, site, platform and first-response target, the assignee's names), the
    # team's shops as a bound array, newest activity first.
    sql = (
        "SELECT c.id, c.shop_id, c.buyer_platform_id, c.buyer_name, c.buyer_avatar_url, c.status,"
        " c.assignee_id, c.last_message_at, c.last_message_preview, c.awaiting_reply_since,"
        " c.unread_count, s.id, s.platform, s.site, s.name, s.first_response_target_seconds,"
        " u.id, u.username, u.first_name, u.last_name"
        " FROM chat_conversation c JOIN integrations_shop s ON s.id = c.shop_id"
        " LEFT JOIN shopee_cs_user u ON u.id = c.assignee_id"
        " WHERE c.shop_id = ANY(%s) AND c.status = 'open' AND c.last_message_at IS NOT NULL"
        " ORDER BY c.last_message_at DESC, c.id DESC LIMIT 51"
    )
    clients = [client_for(a) for a in agents]
    url = f"/api/v1/conversations/?status=open&page_size={PAGE}"
    for c in clients:
        timed_get(c, url)  # warm-up: allowlist cache, connections
    # The two are measured alternately, request by request, so a change in the machine's speed
    # during the run (other tenants, frequency) weighs on both alike; three repetitions, and
    # the median of the per-run ratios decides.
    runs, foreign = [], 0
    with psycopg.connect(conninfo()) as conn:
        # Also the SQL alone, back to back (warm caches, no request in between), for reference.
        alone_ms = []
        for i in range(args.requests):
            started = time.perf_counter()
            conn.execute(sql, (sorted(teams[i % TEAMS]),)).fetchall()
            alone_ms.append((time.perf_counter() - started) * 1000)
        for _ in range(args.repeat):
            sql_ms, api_ms = [], []
            for i in range(args.requests):
                started = time.perf_counter()
                conn.execute(sql, (sorted(teams[i % TEAMS]),)).fetchall()
                sql_ms.append((time.perf_counter() - started) * 1000)
                elapsed, body = timed_get(clients[i % TEAMS], url)
                api_ms.append(elapsed)
                foreign += sum(row["shop_id"] not in teams[i % TEAMS] for row in body["results"])
            runs.append((pct(sql_ms, 95), pct(api_ms, 95), pct(sql_ms, 50), pct(api_ms, 50)))

    counts = {}
    for size in (10, 50, 100):
        with CaptureQueriesContext(connection) as ctx:
            clients[0].get(f"/api/v1/conversations/?status=open&page_size={size}")
        counts[size] = len(ctx.captured_queries)

    admin_client = client_for(admin)
    cursor, deep_cursor, last_cursor = "", None, ""
    for page in range(1, 1001):
        page_url = f"/api/v1/conversations/?page_size={PAGE}&cursor={cursor}"
        _, body = timed_get(admin_client, page_url)
        cursor = body["next_cursor"]
        if page == 999:
            deep_cursor = cursor
        if not cursor:
            break
        last_cursor = cursor
    deep_cursor = deep_cursor or last_cursor  # a small seed has fewer than 1,000 pages
    page1_ms, deep_ms = [], []
    for _ in range(args.requests // 3):
        page1_ms.append(timed_get(admin_client, f"/api/v1/conversations/?page_size={PAGE}")[0])
        deep_url = f"/api/v1/conversations/?page_size={PAGE}&cursor={deep_cursor}"
        deep_ms.append(timed_get(admin_client, deep_url)[0])

    return report(
        runs=runs,
        requests=args.requests,
        alone_ms=alone_ms,
        page1_ms=page1_ms,
        deep_ms=deep_ms,
        deep_reached=bool(deep_cursor),
        counts=counts,
        foreign=foreign,
        absolute_goal_ms=30,
    )


if __name__ == "__main__":
    sys.exit(main())
