from django.core.management.base import BaseCommand

from automation.demo import demo_templates_seed
from automation.demo_rules import demo_rules_seed


class Command(BaseCommand):
    help = (
        "Create the demo reply templates, auto-reply rules and the MY demo shop's business hours "
        "(idempotent; `make run` calls it after seed_demo)."
    )

    def handle(self, *args, **options):
        templates = demo_templates_seed()
        rules = demo_rules_seed()
        self.stdout.write(
            f"Demo automation: {templates} reply templates and {rules} auto-reply rules created."
        )
