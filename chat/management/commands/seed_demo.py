from django.core.management.base import BaseCommand

from chat.services.inbox.demo import DEMO_PASSWORD, DEMO_USERS, demo_seed


class Command(BaseCommand):
    help = "Create the demo shops, agent groups and users (idempotent)."

    def handle(self, *args, **options):
        result = demo_seed()
        self.stdout.write(
            f"Demo data: {result.created_shops} shops and {result.created_users} users created "
            f"(existing rows kept). Users: {', '.join(u for u, *_ in DEMO_USERS)}; "
            f"password: {DEMO_PASSWORD}"
        )
