"""Run the Shopee simulator: ``manage.py shopee_simulator --port 8600``. Thin: parse, delegate."""

from __future__ import annotations

import json
import os

from django.core.management.base import BaseCommand

from integrations.shopee.simulator import SimConfig, parse_shops, serve


class Command(BaseCommand):
    help = "Run a fake Shopee Open Platform (in-memory) for demos and manual testing."

    def add_arguments(self, parser):
        env = os.environ.get
        parser.add_argument("--host", default=env("SHOPEE_SIM_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(env("SHOPEE_SIM_PORT", "8600")))
        parser.add_argument(
            "--partner-id", type=int, default=int(env("SHOPEE_PARTNER_ID", "2001887"))
        )
        parser.add_argument(
            "--partner-key", default=env("SHOPEE_PARTNER_KEY", SimConfig.partner_key)
        )
        parser.add_argument(
            "--callback-url", default=env("SHOPEE_PUSH_CALLBACK_URL", ""), help="push target"
        )
        parser.add_argument("--shops", default=env("SHOPEE_SIM_SHOPS", ""), help="id:REGION,...")
        parser.add_argument("--access-ttl", type=int, default=4 * 3600)
        parser.add_argument("--refresh-ttl", type=int, default=30 * 86400)
        parser.add_argument("--traffic-rate", type=float, default=0.0, help="events per second")
        parser.add_argument("--scenario", help="JSON file: list of {at, type, ...} events")
        parser.add_argument("--preauthorize", action="store_true", help="print tokens per shop")
        parser.add_argument("--seed", type=int)

    def handle(self, *args, **o):
        config = SimConfig(
            partner_id=o["partner_id"],
            partner_key=o["partner_key"],
            callback_url=o["callback_url"],
            shops=parse_shops(o["shops"]) if o["shops"] else [],
            access_ttl=o["access_ttl"],
            refresh_ttl=o["refresh_ttl"],
            seed=o["seed"],
        )
        scenario = None
        if o["scenario"]:
            with open(o["scenario"], encoding="utf-8") as fh:
                scenario = json.load(fh)
        serve(
            host=o["host"],
            port=o["port"],
            config=config,
            traffic_rate=o["traffic_rate"] or None,
            scenario=scenario,
            preauthorize=o["preauthorize"],
            out=self.stdout.write,
        )
