from datetime import UTC, datetime, timedelta

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import Progress

from kpi.services.rollups import day_ranges, rollups_rebuild


def _day(value: str) -> datetime:
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError as error:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value!r}") from error


class Command(BaseCommand):
    help = (
        "Rebuild the hourly KPI rollups from the conversation facts for UTC days --from to --to "
        "inclusive (idempotent: each day is deleted and rewritten in one transaction)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", required=True, help="last day, YYYY-MM-DD")
        parser.add_argument(
            "--no-progress", action="store_true", help="no progress bar (e.g. in a log)"
        )

    def handle(self, *args, **options):
        start, end = _day(options["start"]), _day(options["end"]) + timedelta(days=1)
        if end <= start:
            raise CommandError("--to must not be before --from.")
        days = list(day_ranges(start, end))
        rows = 0
        with Progress(console=Console(stderr=True), disable=options["no_progress"]) as progress:
            task = progress.add_task("Rebuilding KPI rollups", total=len(days))
            for day_start, day_end in days:
                rows += rollups_rebuild(start=day_start, end=day_end)
                progress.advance(task)
        self.stdout.write(f"{len(days)} days rebuilt, {rows} rollup rows.")
