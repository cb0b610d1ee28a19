"""Developer and demo settings: embedded PostgreSQL and Redis when no URLs are set."""

import os

from shopee_cs.embedded import ensure_embedded_env

ensure_embedded_env(os.environ)

from shopee_cs.settings.base import *  # noqa: E402,F403

DEBUG = env.bool("DEBUG", default=True)  # noqa: F405

# Demo defaults: the Shopee simulator started by `make run`, and a token key kept in .data/.
if not env.list("TOKEN_ENCRYPTION_KEYS", default=[]):  # noqa: F405
    from shopee_cs.embedded import local_token_key

    TOKEN_ENCRYPTION_KEYS = [local_token_key()]
SIMULATOR_PORT = env.int("SIMULATOR_PORT", default=8600)  # noqa: F405
SHOPEE_PARTNER_ID = SHOPEE_PARTNER_ID or "2001887"  # noqa: F405
SHOPEE_PARTNER_KEY = SHOPEE_PARTNER_KEY or "shpk" + "6d" * 32  # noqa: F405
if SHOPEE_HOST == "https://partner.shopeemobile.com" and not env.str("SHOPEE_HOST", default=""):  # noqa: F405
    SHOPEE_HOST = f"http://127.0.0.1:{SIMULATOR_PORT}"
