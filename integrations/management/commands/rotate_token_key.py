from django.core.management.base import BaseCommand

from integrations.services.credentials import shop_credentials_reencrypt
from integrations.services.tokens import shop_tokens_reencrypt


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored shop token and shop credential under the first key of "
        "TOKEN_ENCRYPTION_KEYS. "
        "Put the new key first (keeping the old one after it), run this, then drop the old key."
    )

    def handle(self, *args, **options):
        count = shop_tokens_reencrypt()
        self.stdout.write(f"Re-encrypted the tokens of {count} shop(s).")
        count = shop_credentials_reencrypt()
        self.stdout.write(f"Re-encrypted the credentials of {count} shop(s).")
