import time

from django.core.management.base import BaseCommand, CommandError

from integrations.services.connect import ConnectError
from integrations.services.demo import demo_shops_connect
from shopee_cs import http


class Command(BaseCommand):
    help = "Authorize the demo shops at the Shopee simulator (used by `make run`)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--redirect-url", default="http://127.0.0.1:8000/shops/connect/callback/"
        )
        parser.add_argument(
            "--wait", type=float, default=30.0, help="seconds to wait for the simulator"
        )

    def handle(self, *args, redirect_url, wait, **options):
        from django.conf import settings

        deadline = time.monotonic() + wait
        while True:
            try:
                http.request("GET", f"{settings.SHOPEE_HOST}/__sim__/stats", timeout=2)
                break
            except Exception as exc:  # any transport error: not up yet
                if time.monotonic() > deadline:
                    raise CommandError(
                        f"simulator not reachable at {settings.SHOPEE_HOST}"
                    ) from exc
                time.sleep(0.5)
        try:
            shops = demo_shops_connect(redirect_url=redirect_url)
        except ConnectError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Connected {len(shops)} demo shops at {settings.SHOPEE_HOST}.")
