"""Test settings: the real PostgreSQL and Redis (machine services or embedded ones)."""

import os

from shopee_cs.embedded import ensure_embedded_env

if os.environ.get("CI") and not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")):
    # CI must test against the machine's services; never fall back silently.
    raise RuntimeError("CI is set but DATABASE_URL and/or REDIS_URL are missing.")
ensure_embedded_env(os.environ)

from shopee_cs.settings.base import *  # noqa: E402,F403

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOG_FORMAT = "text"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
LOGGING["handlers"]["console"]["formatter"] = "text"  # noqa: F405
WHITENOISE_AUTOREFRESH = True  # no collectstatic in tests
TOKEN_ENCRYPTION_KEYS = ["uW2yB6o0sQ3XWb6wBv4a2mC0b3x0qG7H8j1Z0kq4n2Q="]
SHOPEE_PARTNER_ID = "2001887"
SHOPEE_PARTNER_KEY = "shpk" + "7a" * 32
SHOPEE_HOST = "http://127.0.0.1:1"  # tests point it at an in-process simulator
# Tests pick their own allowlist rows; with none, loopback (the test client) is allowed.
IP_ALLOWLIST_ENFORCED = False
SHOPEE_PUSH_CALLBACK_URL = "http://testserver/webhooks/shopee/"
# Tasks run inline when their on_commit hook fires (django_capture_on_commit_callbacks).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# Pushes through the ASGI route go to the (eager) task queue, like the view's; the tests of
# processing them in the web process turn it on.
PUSH_INLINE_CPU_SHARE = 0.0
# pytest-xdist workers share one Redis but each has its own database: keep their cache entries
# (allowlist, throttles) and channel-layer groups (user.<id> ids collide) apart.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
CACHES["default"]["KEY_PREFIX"] = f"shopee_cs_test_{_worker}"  # noqa: F405
CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"shopee_cs_test_{_worker}:ch:"  # noqa: F405
# Plain connections in tests: a pooled connection opened before a test changes a database
# default (e.g. lock_timeout) would not see it, and live-server threads would share them.
DATABASES["default"].get("OPTIONS", {}).pop("pool", None)  # noqa: F405
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
ALERTS_ROBOT_PRIVATE_URLS = True  # tests run the robot simulator on loopback
