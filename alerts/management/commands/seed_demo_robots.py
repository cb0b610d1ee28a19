from django.core.management.base import BaseCommand

from alerts.services.demo import demo_robots_seed


class Command(BaseCommand):
    help = "Give the demo groups robots that send to the robot simulator at --base-url."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", required=True)

    def handle(self, *args, base_url, **options):
        created = demo_robots_seed(base_url=base_url)
        self.stdout.write(f"{created} demo robot(s) created.")
