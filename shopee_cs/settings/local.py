"""Developer and demo settings: embedded PostgreSQL and Redis when no URLs are set."""

import os

from shopee_cs.embedded import ensure_embedded_env

ensure_embedded_env(os.environ)

from shopee_cs.settings.base import *  # noqa: E402,F403

DEBUG = env.bool("DEBUG", default=True)  # noqa: F405
