from django.core.management.base import BaseCommand, CommandError

from chat.selectors import inbound_events_parked_count
from chat.services.pipeline.audit import SETTLE_SECONDS, shop_audit
from integrations.errors import AdapterError
from integrations.models import Shop
from integrations.services.tokens import ShopNotConnected

SHOWN_MISSING = 10


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


class Command(BaseCommand):
    help = (
        "Compare every connected shop's messages at the marketplace with the stored ones and "
        "list any that are missing (exit status 1 if some are)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--shop", help="one shop, by its platform shop id")
        parser.add_argument(
            "--settle",
            type=int,
            default=SETTLE_SECONDS,
            help=f"ignore messages younger than this many seconds (default {SETTLE_SECONDS})",
        )

    def handle(self, *args, **options):
        shops = Shop.objects.filter(status=Shop.Status.ACTIVE, token__isnull=False)
        if options["shop"]:
            shops = shops.filter(platform_shop_id=options["shop"])
            if not shops.exists():
                raise CommandError(f"No connected shop with platform id {options['shop']}.")
        gaps = 0
        for shop in shops.order_by("site", "name"):
            try:
                result = shop_audit(shop=shop, settle_seconds=options["settle"])
            except (ShopNotConnected, AdapterError) as exc:
                self.stderr.write(f"{shop.name} ({shop.platform_shop_id}): not audited: {exc}")
                gaps += 1
                continue
            line = (
                f"{shop.name} ({shop.platform_shop_id}, {shop.site}): "
                f"{_count(result.conversations, 'conversation')}, "
                f"{_count(result.platform_messages, 'message')} at the marketplace, "
                f"{result.stored} stored, {len(result.missing)} missing "
                f"({_count(result.too_recent, 'message')} younger than {options['settle']} s"
                " not checked)"
            )
            if not result.complete:
                line += "; only the newest conversations were read"
            if result.unreadable:
                unreadable = _count(result.unreadable, "record")
                line += f"; {unreadable} the marketplace sent could not be read"
            self.stdout.write(line)
            if result.missing or result.unreadable:
                gaps += 1
                shown = ", ".join(result.missing[:SHOWN_MISSING])
                self.stdout.write(f"  missing: {shown}")
        if parked := inbound_events_parked_count():
            self.stdout.write(
                f"{_count(parked, 'parked inbound event')} to look at: admin, Inbound events, "
                "status Parked."
            )
        if gaps:
            raise CommandError(
                f"{gaps} shop(s) with missing or unreadable messages, or not audited."
            )
        self.stdout.write("No gaps.")
