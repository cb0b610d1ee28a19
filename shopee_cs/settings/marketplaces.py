"""Marketplace connection settings (Shopee Open Platform app) and token encryption."""

import environ

env = environ.Env()

# Shopee "Seller In-house System" app credentials (Shopee Open Platform console).
SHOPEE_PARTNER_ID = env.str("SHOPEE_PARTNER_ID", default="")
# Used exactly as shown in the console, `shpk` prefix included. Kept as given: surrounding
# whitespace stops the start (integrations.checks); surrounding quotes are trimmed where used.
SHOPEE_PARTNER_KEY = env.str("SHOPEE_PARTNER_KEY", default="")
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
CELERY_BEAT_SCHEDULE.update(
    {
        "outbound-deliveries-sweep": {"task": "chat.outbound_deliveries_sweep", "schedule": 60.0},
        "inbound-events-sweep": {"task": "chat.inbound_events_sweep", "schedule": 60.0},
        "shops-reconcile": {
            "task": "chat.shops_reconcile",
            "schedule": env.float("RECONCILE_INTERVAL_SECONDS", default=60.0),
        },
        "lost-pushes-drain": {
            "task": "chat.lost_pushes_drain",
            "schedule": env.float("LOST_PUSH_INTERVAL_SECONDS", default=120.0),
        },
        "old-events-purge": {"task": "chat.old_events_purge", "schedule": 3600.0},
        # Routing: queued conversations to agents who became available, and overdue
        # assignments to another agent (short scans, never long countdowns).
        "routing-drain": {
            "task": "automation.routing_drain",
            "schedule": env.float("ROUTING_DRAIN_INTERVAL_SECONDS", default=5.0),
        },
        "routing-reassign-scan": {
            "task": "automation.routing_reassign_scan",
            "schedule": env.float("ROUTING_REASSIGN_INTERVAL_SECONDS", default=10.0),
        },
        "returns-pull": {
            "task": "tickets.returns_pull",
            "schedule": env.float("RETURNS_PULL_INTERVAL_SECONDS", default=600.0),
        },
    }
)
# Routing: an agent is "away" after this long without console activity; new agents' capacity.
ROUTING_AWAY_AFTER_MINUTES = env.int("ROUTING_AWAY_AFTER_MINUTES", default=5)
ROUTING_DEFAULT_CAPACITY = env.int("ROUTING_DEFAULT_CAPACITY", default=8)

# Retention: processed pushes (parked ones stay until handled) and the live events a socket
# replays after a reconnect (one resuming from before the oldest kept is asked to resync).
INBOUND_EVENT_RETENTION_DAYS = env.int("INBOUND_EVENT_RETENTION_DAYS", default=30)
LIVE_EVENT_RETENTION_HOURS = env.int("LIVE_EVENT_RETENTION_HOURS", default=48)

# Under daphne, each process handles new chat message pushes itself as it answers them, in
# order on one thread, while that took less than this share of a core in the current second
# (and the thread is neither stalled nor busy most of the second, in wall time); beyond it, at
# 0, and for pushes needing a marketplace call, they wait for a Celery worker
# (chat.webhooks_asgi).
PUSH_INLINE_CPU_SHARE = env.float("PUSH_INLINE_CPU_SHARE", default=0.5)

# Pushes above this size are refused (413) before the body is read.
WEBHOOK_MAX_BODY_BYTES = env.int("WEBHOOK_MAX_BODY_BYTES", default=256 * 1024)

# Four queues: fast inbound processing, first sends, their retries and read-backs (so a backlog
# of first sends never holds them), everything else. Workers consume all four.
OUTBOX_RETRY_QUEUE = "outbound_retry"
CELERY_TASK_ROUTES = {
    "chat.inbound_event_process": {"queue": "webhooks_in"},
    "chat.outbound_delivery_*": {"queue": "outbound"},
    "*": {"queue": "default"},
}

# An outbox row still "sending" this long after its claim belongs to a lost worker: the sweep
# resolves it by reading the conversation back (never by blindly resending).
OUTBOX_STALE_SENDING_SECONDS = env.int("OUTBOX_STALE_SENDING_SECONDS", default=360)
# The sweep re-enqueues a pending or unknown row only once it is this overdue (a queued task
# normally runs long before), and at most once per this period.
OUTBOX_SWEEP_GRACE_SECONDS = env.float("OUTBOX_SWEEP_GRACE_SECONDS", default=60.0)
# Outbox retry schedule: 3 quick retries 200 ms apart, then Celery backoff from this base
# (doubling, with jitter, capped at half the broker visibility timeout).
OUTBOX_BACKOFF_BASE_SECONDS = env.float("OUTBOX_BACKOFF_BASE_SECONDS", default=2.0)
# Wait before reading a conversation back after a send whose outcome is unknown.
OUTBOX_UNKNOWN_CHECK_SECONDS = env.float("OUTBOX_UNKNOWN_CHECK_SECONDS", default=5.0)
# (connect, read) seconds for Shopee API calls. A read timeout on a send is an unknown outcome,
# resolved by reading the conversation back.
SHOPEE_HTTP_TIMEOUT = tuple(env.list("SHOPEE_HTTP_TIMEOUT", cast=float, default=[3.05, 15.0]))
# (connect, read) for the send calls alone: an answer slower than this is an unknown outcome,
# read back instead of keeping a worker (and the agent) waiting.
SHOPEE_SEND_TIMEOUT = tuple(env.list("SHOPEE_SEND_TIMEOUT", cast=float, default=[3.05, 5.0]))
