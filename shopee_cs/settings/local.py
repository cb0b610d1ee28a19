"""Developer and demo settings: embedded PostgreSQL and Redis when no URLs are set."""

import os

from shopee_cs.embedded import ensure_embedded_env

ensure_embedded_env(os.environ)

from shopee_cs.settings.base import *  # noqa: E402,F403

DEBUG = env.bool("DEBUG", default=True)  # noqa: F405

# A demo token key, created once under .data/ (production must set TOKEN_ENCRYPTION_KEYS).
if not env.list("TOKEN_ENCRYPTION_KEYS", default=[]):  # noqa: F405
    from shopee_cs.embedded import local_token_key

    TOKEN_ENCRYPTION_KEYS = [local_token_key()]

# The demo's robot simulator listens on loopback.
ALERTS_ROBOT_PRIVATE_URLS = env.bool("ALERTS_ROBOT_PRIVATE_URLS", default=True)  # noqa: F405
