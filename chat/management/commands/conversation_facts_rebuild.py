from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import Progress

from chat.selectors import conversation_ids_for_rebuild
from chat.services.state import conversation_facts_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild conversations' facts from their stored messages, in marketplace order, and set "
        "their clocks from the same replay (idempotent; agent actions recorded are kept)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--shop", help="one shop, by its platform shop id")
        parser.add_argument(
            "--no-progress", action="store_true", help="no progress bar (e.g. in a log)"
        )

    def handle(self, *args, **options):
        ids = conversation_ids_for_rebuild(platform_shop_id=options["shop"])
        if options["shop"] and ids is None:
            raise CommandError(f"No shop with platform id {options['shop']}.")
        facts = 0
        with Progress(console=Console(stderr=True), disable=options["no_progress"]) as progress:
            task = progress.add_task("Rebuilding conversation facts", total=len(ids))
            for conversation_id in ids:
                facts += conversation_facts_rebuild(conversation_id=conversation_id)
                progress.advance(task)
        self.stdout.write(f"{len(ids)} conversations rebuilt, {facts} facts.")
