"""Marketplace connection settings (Shopee Open Platform app) and token encryption."""

import environ

env = environ.Env()

# Shopee "Seller In-house System" app credentials (Shopee Open Platform console).
SHOPEE_PARTNER_ID = env.str("SHOPEE_PARTNER_ID", default="")
# Used exactly as shown in the console, `shpk` prefix included.
SHOPEE_PARTNER_KEY = env.str("SHOPEE_PARTNER_KEY", default="").strip().strip("'\"")
SHOPEE_HOST = env.str("SHOPEE_HOST", default="https://partner.shopeemobile.com")
# The canonical public URL Shopee posts pushes to; push signatures are computed over it, never
# over the URL a proxy shows the app.
SHOPEE_PUSH_CALLBACK_URL = env.str("SHOPEE_PUSH_CALLBACK_URL", default="")
SHOPEE_PUSH_KEY = env.str("SHOPEE_PUSH_KEY", default="")
SHOPEE_PUSH_PREVIOUS_KEY = env.str("SHOPEE_PUSH_PREVIOUS_KEY", default="")
# Where the OAuth flow sends the seller back (must match the app's registered domain).
SHOPEE_REDIRECT_URL = env.str("SHOPEE_REDIRECT_URL", default="")

# Fernet keys, comma-separated; the first encrypts. Production must set it (see README).
TOKEN_ENCRYPTION_KEYS = env.list("TOKEN_ENCRYPTION_KEYS", default=[])
# Refresh access tokens this long before they expire.
TOKEN_REFRESH_MARGIN_SECONDS = env.int("TOKEN_REFRESH_MARGIN_SECONDS", default=1800)

# Periodic work, kept in code; django-celery-beat's DatabaseScheduler syncs it into its tables.
CELERY_BEAT_SCHEDULE = {
    "shop-tokens-refresh-due": {
        "task": "integrations.shop_tokens_refresh_due",
        "schedule": 600.0,
        "options": {"queue": "default"},
    },
}
