"""Production settings: every secret and URL must come from the environment."""

import os

from django.core.exceptions import ImproperlyConfigured

for _name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL"):
    if not os.environ.get(_name):
        raise ImproperlyConfigured(f"{_name} must be set in production.")

from shopee_cs.settings.base import *  # noqa: E402,F403

DEBUG = False
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("dev-insecure"):  # noqa: F405
    raise ImproperlyConfigured("SECRET_KEY must be a random string of at least 50 characters.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")  # noqa: F405
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)  # noqa: F405
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)  # noqa: F405
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
if not TOKEN_ENCRYPTION_KEYS:  # noqa: F405
    raise ImproperlyConfigured("TOKEN_ENCRYPTION_KEYS must be set in production.")
SECURE_REFERRER_POLICY = "same-origin"
# __Host- cookies: Secure, Path=/ and no Domain, so a sibling subdomain cannot plant them.
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
# An empty allowlist refuses everyone here: add entries with `manage.py security_setup --allow`.
IP_ALLOWLIST_ENFORCED = env.bool("IP_ALLOWLIST_ENFORCED", default=True)  # noqa: F405
