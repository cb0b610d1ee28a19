"""Settings of the daphne server the browser tests start: the test settings (same test database,
eager Celery, per-worker Redis prefixes) pointed at the test's in-process Shopee simulator."""

import os

from shopee_cs.settings.test import *  # noqa: F403

SHOPEE_HOST = os.environ["SHOPEE_HOST"]
SHOPEE_PUSH_CALLBACK_URL = os.environ["SHOPEE_PUSH_CALLBACK_URL"]
WHITENOISE_USE_FINDERS = True  # serve static files from the source tree (no collectstatic here)
