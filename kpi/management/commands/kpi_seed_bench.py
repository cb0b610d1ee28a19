"""Seed the KPI benchmark's data (BM2, docs/benchmarks.md): conversations and messages over N days
across M shops, stored through the pull-sync's bulk path (chat.services.pipeline.bulk_ingest), so
that every message's facts are the state machine's own, not an imitation of them.

Each conversation is a few buyer waits; each wait is answered by the seller from the marketplace's
own tools (a reply sent outside this system), sometimes after an auto-reply, sometimes late (over
12 h), sometimes never. Deterministic for a given --seed."""

import random
import time
from datetime import UTC, datetime, timedelta

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import Progress

from chat.services.pipeline.bulk_ingest import ConversationBatch, messages_ingest_batch
from integrations import types
from integrations.models import Shop

BATCH_CONVERSATIONS = 200


class Command(BaseCommand):
    help = "Seed shops, conversations and messages (with their facts) for the KPI benchmark."

    def add_arguments(self, parser):
        parser.add_argument("--messages", type=int, default=1_000_000)
        parser.add_argument("--conversations", type=int, default=None, help="default messages/10")
        parser.add_argument("--days", type=int, default=30)
        parser.add_argument("--shops", type=int, default=50)
        parser.add_argument("--seed", type=int, default=21)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        messages, days, n_shops = options["messages"], options["days"], options["shops"]
        conversations = options["conversations"] or max(messages // 10, 1)
        if messages < 2 * conversations or days < 1 or n_shops < 1:
            raise CommandError("need --messages >= 2 x conversations, --days >= 1, --shops >= 1")
        rng = random.Random(options["seed"])
        shops = [
            Shop.objects.get_or_create(
                platform_shop_id=str(700_000_000 + i),
                defaults={"site": "MY", "name": f"Bench shop {i + 1}"},
            )[0]
            for i in range(n_shops)
        ]
        end = datetime.now(UTC).replace(microsecond=0)
        start = end - timedelta(days=days)
        per_conv = messages / conversations
        started, made, stored = time.monotonic(), 0, 0
        with Progress(console=Console(stderr=True), disable=options["no_progress"]) as progress:
            bar = progress.add_task("conversations", total=conversations)
            while made < conversations:
                size = min(BATCH_CONVERSATIONS, conversations - made)
                by_shop: dict[int, list[ConversationBatch]] = {}
                for k in range(made, made + size):
                    shop = shops[k % n_shops]
                    count = _count(rng, per_conv)
                    batch = _conversation(rng, shop, k, count, start, end)
                    by_shop.setdefault(k % n_shops, []).append(batch)
                for index, batches in by_shop.items():
                    stored += messages_ingest_batch(shop=shops[index], batches=batches)
                made += size
                progress.update(bar, advance=size)
        took = time.monotonic() - started
        self.stdout.write(
            f"seeded {made} conversations, {stored} messages over {days} days "
            f"in {n_shops} shops in {took:.1f} s ({stored / max(took, 1e-9):.0f} messages/s)"
        )


def _count(rng: random.Random, mean: float) -> int:
    # An even count around the mean (waits are buyer+reply pairs), at least 2.
    return max(2, 2 * round(rng.uniform(0.5, 1.5) * mean / 2))


def _conversation(rng, shop: Shop, k: int, count: int, start, end) -> ConversationBatch:
    cid, buyer = str(2**58 + k), str(5_000_000 + k)
    span = (end - start).total_seconds()
    at = start + timedelta(seconds=rng.uniform(0, span * 0.95))
    out: list[types.Message] = []
    n = 0
    while len(out) < count and at < end:
        out.append(_msg(cid, shop, k, n, types.SenderRole.BUYER, buyer, at))
        n += 1
        roll = rng.random()
        if roll < 0.05:  # never answered
            break
        if roll < 0.15 and len(out) < count:  # an auto-reply first
            at += timedelta(seconds=rng.uniform(1, 5))
            out.append(_msg(cid, shop, k, n, types.SenderRole.SELLER, buyer, at, auto=True))
            n += 1
        late = rng.random() < 0.05
        at += timedelta(
            seconds=rng.uniform(13 * 3600, 20 * 3600) if late else rng.expovariate(1 / 240)
        )
        if at >= end or len(out) >= count:
            break
        out.append(_msg(cid, shop, k, n, types.SenderRole.SELLER, buyer, at))
        n += 1
        at += timedelta(seconds=rng.expovariate(1 / 1800))
    out.reverse()  # as the adapter lists them: newest first
    return ConversationBatch(platform_conversation_id=cid, buyer_name=f"buyer{k}", messages=out)


def _msg(cid, shop, k, n, sender, buyer, at, *, auto=False) -> types.Message:
    seller = sender == types.SenderRole.SELLER
    return types.Message(
        platform_message_id=f"{2**59 + k * 1000 + n}",
        conversation_id=cid,
        shop_id=shop.platform_shop_id,
        sender=sender,
        sender_id=shop.platform_shop_id if seller else buyer,
        recipient_id=buyer if seller else shop.platform_shop_id,
        kind=types.MessageKind.TEXT,
        sent_at=at,
        text="auto" if auto else ("reply" if seller else "question"),
        is_auto_reply=auto,
    )
