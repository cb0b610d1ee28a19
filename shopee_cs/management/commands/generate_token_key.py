from django.core.management.base import BaseCommand

from shopee_cs.crypto import new_key


class Command(BaseCommand):
    help = "Print a new Fernet key for TOKEN_ENCRYPTION_KEYS."

    def handle(self, *args, **options):
        self.stdout.write(new_key())
