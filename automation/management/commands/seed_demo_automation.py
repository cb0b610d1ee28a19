from django.core.management.base import BaseCommand

from automation.demo import demo_templates_seed


class Command(BaseCommand):
    help = "Create the demo reply templates (idempotent; `make run` calls it after seed_demo)."

    def handle(self, *args, **options):
        created = demo_templates_seed()
        self.stdout.write(f"Demo automation: {created} reply templates created.")
