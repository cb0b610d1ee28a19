from django.core.management.base import BaseCommand

from automation.demo_rules import demo_rules_seed


class Command(BaseCommand):
    help = (
        "Create the demo auto-reply rules and the MY demo shop's business hours (idempotent; "
        "`make run` calls it after the demo templates)."
    )

    def handle(self, *args, **options):
        created = demo_rules_seed()
        self.stdout.write(f"Demo automation: {created} auto-reply rules created.")
