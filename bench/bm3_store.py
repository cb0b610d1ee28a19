"""BM3's store path alone: the pull-sync's write (`messages_ingest_batch`), no HTTP, no fetch.

50,000 messages (1,000 conversations x 50, buyer messages and replies typed in the
marketplace's seller tools) in 20 batches of 50 conversations, one transaction each, into a
fresh database holding another shop's history of 20,000 messages (analysed, as in BM3).
Prints rows/s, this process's CPU, and the raw baseline of BM3 (the same rows through one
INSERT ... SELECT unnest per 1,000) for the ratio. Run on an idle machine:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shopee_cs REDIS_URL=redis://127.0.0.1:6379/0 \
      .venv/bin/python bench/bm3_store.py
"""

import sys
import time
from datetime import UTC, datetime, timedelta

from _rig import settle_writes, setup_django

CONVERSATIONS_PER_BATCH, MESSAGES_PER_CONVERSATION, BATCHES = 50, 50, 20


def _batches(shop_id: str, batch: int):
    from chat.services.pipeline.bulk_ingest import ConversationBatch
    from integrations import types

    base = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for c in range(CONVERSATIONS_PER_BATCH):
        cid = f"{batch}{c:04d}"
        messages = []
        for i in range(MESSAGES_PER_CONVERSATION):
            buyer = i % 3 != 2
            messages.append(
                types.Message(
                    platform_message_id=f"{cid}{i:03d}",
                    conversation_id=cid,
                    shop_id=shop_id,
                    sender=types.SenderRole.BUYER if buyer else types.SenderRole.SELLER,
                    sender_id="9" if buyer else shop_id,
                    recipient_id=shop_id if buyer else "9",
                    kind=types.MessageKind.TEXT,
                    text=f"hello {i}",
                    sent_at=base + timedelta(seconds=batch * 10_000 + c * 100 + i),
                )
            )
        # Pages list the newest first, as the marketplace's do.
        out.append(ConversationBatch(cid, "buyer", list(reversed(messages))))
    return out


def _baseline(rows: int) -> float:
    """The same number of rows through BM3's raw batched upsert, rows/s."""
    import psycopg
    from _rig import conninfo

    with psycopg.connect(conninfo()) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_store_raw (id text PRIMARY KEY, c bigint, t text, "
            "at timestamptz)"
        )
        conn.commit()
        start = time.perf_counter()
        for first in range(0, rows, 1000):
            ids = [str(n) for n in range(first, first + 1000)]
            conn.execute(
                "INSERT INTO bench_store_raw SELECT * FROM unnest(%s::text[], %s::bigint[], "
                "%s::text[], %s::timestamptz[]) ON CONFLICT DO NOTHING",
                [ids, [1] * 1000, ["hello"] * 1000, [datetime.now(UTC)] * 1000],
            )
            conn.commit()
        return rows / (time.perf_counter() - start)


def main() -> int:
    setup_django("shopee_cs_bench_bm3_store")
    from chat.services.pipeline.bulk_ingest import messages_ingest_batch
    from integrations.models import Shop

    warm = Shop.objects.create(platform="shopee", platform_shop_id="1", site="MY", name="warm")
    for n in range(90, 98):  # another shop's history, analysed (BM3 seeds one too)
        messages_ingest_batch(shop=warm, batches=_batches("1", n))
    settle_writes()
    shop = Shop.objects.create(platform="shopee", platform_shop_id="2", site="MY", name="bench")
    work = [_batches("2", n) for n in range(1, BATCHES + 1)]
    rows = BATCHES * CONVERSATIONS_PER_BATCH * MESSAGES_PER_CONVERSATION
    cpu, wall = time.process_time(), time.perf_counter()
    for batches in work:
        messages_ingest_batch(shop=shop, batches=batches)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    baseline = _baseline(rows)
    print(f"BM3 store path: {rows} messages in {wall:.2f} s, {rows / wall:,.0f} rows/s")
    print(f"  this process's CPU {cpu:.2f} s ({cpu / rows * 1e6:.1f} us per message)")
    print(f"  raw batched upsert of as many rows: {baseline:,.0f} rows/s")
    print(f"  store/baseline: {rows / wall / baseline:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
