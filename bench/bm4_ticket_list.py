"""BM4 for tickets: the ticket list API at 100k tickets against the equivalent keyset SQL.

    DATABASE_URL=... REDIS_URL=... .venv/bin/python bench/bm4_ticket_list.py [--tickets N]

Seeds N tickets (40% open, the rest spread over the other statuses) over 50 shops owned by 10
agent groups in a scratch database, then, in the same run (as bm4_queue_list.py does for the
inbox):
- baseline: the equivalent keyset SQL through psycopg: the rows and columns a page returns
  (ticket, shop name/site/platform, type code/name, assignee names; `shop_id = ANY(team shops)
  AND status='open' ORDER BY created_at DESC, id DESC LIMIT 51`), p95;
- the API (`GET /api/v1/tickets/?status=open&page_size=50`) through Django's test client
  in-process (full middleware, session + OTP auth, DRF), as agents of the 10 teams in turn,
  p95; SQL and API requests alternate, the run is repeated (--repeat, 3) and the median of the
  per-run ratios decides;
- page 1,000 by cursor against page 1 (an admin's list of everything);
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
OTHER_STATUSES = ["new", "pending_buyer", "pending_internal", "resolved", "closed", "reopened"]


def seed(n: int):
    from django.utils import timezone

    from chat.models import AgentGroup
    from integrations.models import Shop
    from shopee_cs.models import User
    from tickets.models import Ticket, TicketType

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
    kinds = list(TicketType.objects.all())
    rng = random.Random(4)
    now = timezone.now()
    batch = []
    for i in range(n):
        shop_index = i % SHOPS
        created = now - timedelta(seconds=rng.randint(0, 90 * 86400))
        batch.append(
            Ticket(
                shop=shops[shop_index],
                ticket_type=kinds[i % len(kinds)],
                subject=f"Parcel {i} arrived damaged",
                status="open" if rng.random() < 0.4 else rng.choice(OTHER_STATUSES),
                priority=rng.choice(["low", "normal", "normal", "high", "urgent"]),
                assignee=agents[shop_index // 5] if rng.random() < 0.6 else None,
                order_ref=str(2**60 + i),
                buyer_platform_id=str(10**6 + i),
                buyer_name=f"buyer{i}",
                due_at=created + timedelta(hours=48),
                due_soon_at=created + timedelta(hours=44),
                sla_started_at=created,
            )
        )
        if len(batch) == 5000:
            _insert(batch)
            batch = []
    _insert(batch)
    return agents, teams, admin


def _insert(batch):
    """bulk_create, then the creation times the seed chose (auto_now_add overrides them)."""
    from django.db import connection

    from tickets.models import Ticket

    created = [t.sla_started_at for t in batch]
    rows = Ticket.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tickets_ticket t SET created_at = v.at, updated_at = v.at"
            " FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, at) WHERE t.id = v.id",
            [[r.pk for r in rows], created],
        )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database", default="shopee_cs_bench_bm4_tickets")
    args = parser.parse_args()
    setup_django(args.database)
    from redis import Redis

    Redis.from_url(os.environ["REDIS_URL"]).flushdb()  # a run a minute ago must not throttle this
    import psycopg
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    t0 = time.perf_counter()
    agents, teams, admin = seed(args.tickets)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # planner statistics, as autovacuum would have them
    print(f"seeded {args.tickets} tickets in {time.perf_counter() - t0:.1f}s")

    sql = (
        "SELECT t.id, t.shop_id, t.subject, t.status, t.priority, t.order_ref, t.return_ref,"
        " t.buyer_platform_id, t.buyer_name, t.group_id, t.assignee_id, t.due_at, t.due_soon_at,"
        " t.sla_paused_at, t.created_at, t.updated_at, k.code, k.name, s.name, s.site,"
        " s.platform, u.username, u.first_name, u.last_name FROM tickets_ticket t"
        " JOIN integrations_shop s ON s.id = t.shop_id"
        " JOIN tickets_tickettype k ON k.id = t.ticket_type_id"
        " LEFT JOIN shopee_cs_user u ON u.id = t.assignee_id"
        " WHERE t.shop_id = ANY(%s) AND t.status = 'open'"
        " ORDER BY t.created_at DESC, t.id DESC LIMIT 51"
    )
    clients = [client_for(a) for a in agents]
    url = f"/api/v1/tickets/?status=open&page_size={PAGE}"
    for c in clients:
        timed_get(c, url)  # warm-up: allowlist cache, connections
    runs, foreign = [], 0
    with psycopg.connect(conninfo()) as conn:
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
                foreign += sum(row["shop"]["id"] not in teams[i % TEAMS] for row in body["results"])
            runs.append((pct(sql_ms, 95), pct(api_ms, 95), pct(sql_ms, 50), pct(api_ms, 50)))

    counts = {}
    for size in (10, 50, 100):
        with CaptureQueriesContext(connection) as ctx:
            clients[0].get(f"/api/v1/tickets/?status=open&page_size={size}")
        counts[size] = len(ctx.captured_queries)

    admin_client = client_for(admin)
    cursor, deep_cursor, last_cursor = "", None, ""
    for page in range(1, 1001):
        _, body = timed_get(admin_client, f"/api/v1/tickets/?page_size={PAGE}&cursor={cursor}")
        cursor = body["next_cursor"]
        if page == 999:
            deep_cursor = cursor
        if not cursor:
            break
        last_cursor = cursor
    deep_cursor = deep_cursor or last_cursor  # a small seed has fewer than 1,000 pages
    page1_ms, deep_ms = [], []
    for _ in range(args.requests // 3):
        page1_ms.append(timed_get(admin_client, f"/api/v1/tickets/?page_size={PAGE}")[0])
        deep_url = f"/api/v1/tickets/?page_size={PAGE}&cursor={deep_cursor}"
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
    )


if __name__ == "__main__":
    sys.exit(main())
