"""Settings shared by every environment. Everything comes from the environment (django-environ)."""

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from shopee_cs.config import celery_limits, database_config, redis_url_checked
from shopee_cs.security.ip import parse_networks

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

SECRET_KEY = env.str("SECRET_KEY", default="dev-insecure-secret-key-change-me")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "shopee_cs.admin_apps.StaffAdminConfig",  # django.contrib.admin with an OTP-only site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.postgres",  # ArrayField (conversation tags, auto-reply rules)
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI assets, served locally (no CDN)
    "channels",
    "django_celery_beat",
    "health_check",
    "django_otp",
    "shopee_cs.admin_apps.AuthenticatorAppsConfig",  # django_otp.plugins.otp_totp
    "shopee_cs.admin_apps.BackupCodesConfig",  # django_otp.plugins.otp_static
    "shopee_cs.admin_apps.SignInLockoutConfig",  # axes
    "shopee_cs",
    "integrations",
    "chat",
    "tickets",
    "automation",
    "alerts",
    "quality",
    "kpi",
]

MIDDLEWARE = [
    "shopee_cs.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "shopee_cs.language.ChosenLanguageRedirectMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "shopee_cs.security.middleware.IPAllowlistMiddleware",
    "shopee_cs.security.middleware.OTPRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as django-axes requires
]

ROOT_URLCONF = "shopee_cs.urls"
WSGI_APPLICATION = "shopee_cs.wsgi.application"
ASGI_APPLICATION = "shopee_cs.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "shopee_cs.language.language_switch_next",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------------------------
# DATABASE_URL / REDIS_URL are resolved by the environment-specific module before this one is
# imported (see local.py and test.py, which fall back to the embedded servers).
DATABASE_URL = env.str("DATABASE_URL", default="")
REDIS_URL = env.str("REDIS_URL", default="")
if not DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_URL is not set (and no embedded server was started).")
if not REDIS_URL:
    raise ImproperlyConfigured("REDIS_URL is not set (and no embedded server was started).")
DATABASES = {"default": database_config(DATABASE_URL)}
# A connection pool, not persistent connections: under ASGI every request runs in a thread of
# its own, so thread-local persistent connections would be opened anew for each request.
DB_POOL_MAX_SIZE = env.int("DB_POOL_MAX_SIZE", default=10)
if DB_POOL_MAX_SIZE > 0:
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DB_POOL_MAX_SIZE,
        "timeout": env.int("DB_POOL_TIMEOUT", default=10),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
REDIS_URL = redis_url_checked(REDIS_URL)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CHANNEL_LAYERS = {
    "default": {
        # Redis pub/sub: a group event is one PUBLISH, which each daphne process fans out to its
        # own sockets in memory (the list-based layer pushed and popped it once per socket).
        # Delivery is at most once either way; a socket replays missed events from LiveEvent.
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {
            "hosts": [{"address": REDIS_URL, "socket_timeout": 15}],
            "prefix": "shopee_cs:ch:",
        },
    }
}

CACHES = {
    "default": {
        "BACKEND": "shopee_cs.redis_cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "shopee_cs",
    }
}

# --- Auth --------------------------------------------------------------------------------------
AUTH_USER_MODEL = "shopee_cs.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not a rule: its password_changed hook closes the user's open websockets.
    {"NAME": "shopee_cs.security.validators.CloseSocketsOnPasswordChange"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses locked-out (username, IP) pairs
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"  # a URL name: reversed in the page's language (/zh-hans/accounts/login/)
LOGIN_REDIRECT_URL = env.str("LOGIN_REDIRECT_URL", default="/console/")
LOGOUT_REDIRECT_URL = "/accounts/login/"
# Sessions are read from Redis and written through to PostgreSQL (which survives a Redis flush).
SESSION_ENGINE = "shopee_cs.sessions"  # cached_db that degrades to the table without Redis
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)  # ASVS 3.3.2: 12 h
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# CSP for every page (console and admin): our own scripts, styles and images only; the
# 2FA QR code is inline SVG markup, which needs no img-src.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- Security: client IP, allowlist, 2FA, lockout (docs/security.md) ---------------------------
# Proxies whose X-Forwarded-For we believe (CIDRs). Empty: the TCP peer is the client.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
try:
    parse_networks(TRUSTED_PROXIES)
except ValueError as exc:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES has an invalid CIDR: {exc}") from exc
# With no allowlist entries at all: enforced refuses everyone; not enforced allows loopback and
# private ranges. production.py turns it on.
IP_ALLOWLIST_ENFORCED = env.bool("IP_ALLOWLIST_ENFORCED", default=False)
IP_ALLOWLIST_EXEMPT_PATHS = ("/webhooks/", "/healthz", "/readyz")
# Group robots' webhooks on loopback or private addresses (the demo's robot simulator): refused
# unless allowed, so a robot URL cannot be used to reach the inside network.
ALERTS_ROBOT_PRIVATE_URLS = env.bool("ALERTS_ROBOT_PRIVATE_URLS", default=False)
# A buyer waiting this long raises a warning (groups may set their own); the breach is the
# shop's first-response target.
ALERTS_WARN_AFTER_SECONDS = env.int("ALERTS_WARN_AFTER_SECONDS", default=120)
# How often the timers are scanned, and the console link alerts carry.
ALERTS_SCAN_INTERVAL_SECONDS = env.float("ALERTS_SCAN_INTERVAL_SECONDS", default=1.0)
ALERTS_CONSOLE_URL = env.str("ALERTS_CONSOLE_URL", default="http://127.0.0.1:8000/")
# A robot gets at most this many messages in any minute (the IMs allow 20; DingTalk holds a
# robot for 10 minutes beyond); an alert not delivered to a robot this long after it was
# raised is marked failed.
ALERTS_ROBOT_PER_MINUTE = env.int("ALERTS_ROBOT_PER_MINUTE", default=18)
ALERTS_GIVE_UP_SECONDS = env.int("ALERTS_GIVE_UP_SECONDS", default=3600)
# Auto-replies answer only messages this recent (a pull-sync's history is never answered).
AUTO_REPLY_MAX_AGE_SECONDS = env.int("AUTO_REPLY_MAX_AGE_SECONDS", default=600)
# Paths a signed-in but not OTP-verified session may reach (the API answers 403 by itself).
OTP_EXEMPT_PATHS = ("/accounts/", "/static/", "/favicon.ico", "/webhooks/", "/healthz", "/readyz")
OTP_EXEMPT_PATHS += ("/i18n/",)
OTP_EXEMPT_PATHS += ("/api/",)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="shopee_cs")
OTP_TOTP_THROTTLE_FACTOR = env.int("OTP_TOTP_THROTTLE_FACTOR", default=1)  # 1, 2, 4, 8 ... s
OTP_STATIC_THROTTLE_FACTOR = env.int("OTP_STATIC_THROTTLE_FACTOR", default=1)
AXES_CLIENT_IP_CALLABLE = "shopee_cs.security.ip.axes_client_ip"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "shopee_cs.security.views.locked_out"
AXES_VERBOSE = False

# --- Time and language -------------------------------------------------------------------------
USE_TZ = True
TIME_ZONE = "UTC"  # storage is always UTC
REPORT_TIME_ZONE = env.str("REPORT_TIME_ZONE", default="Asia/Shanghai")
try:
    ZoneInfo(REPORT_TIME_ZONE)
except (ZoneInfoNotFoundError, ValueError) as exc:
    raise ImproperlyConfigured(
        f"REPORT_TIME_ZONE={REPORT_TIME_ZONE!r} is not a known IANA time zone."
    ) from exc
USE_I18N = True
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static files ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- REST --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # JSON in and out, nothing else: another Content-Type is a 415 (shopee_cs.api_input).
    "DEFAULT_PARSER_CLASSES": ["shopee_cs.api_input.SafeJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # API keys first (an Authorization header wins over a cookie), then the browser session.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "shopee_cs.security.drf.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "shopee_cs.security.drf.IsOTPVerified",
        "shopee_cs.security.drf.HasScope",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "shopee_cs.security.drf.AnonThrottle",
        "shopee_cs.security.drf.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/minute"),
        "user": env.str("API_THROTTLE_USER", default="1200/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "shopee_cs API",
    "DESCRIPTION": "Agent API of the shopee_cs customer-service system: shops, conversations, "
    "messages, replies and the buyer's orders. Reporting endpoints are on the roadmap.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema for verified staff and any valid API key; the docs page asks staff to sign in.
    "SERVE_PERMISSIONS": ["shopee_cs.security.drf.IsOTPVerified"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every error response each operation can give (shopee_cs.api_schema).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "shopee_cs.api_schema.add_error_responses",
    ],
    # One name for the ticket statuses (a ticket's status and the statuses it may move to).
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "tickets.models.Status",
        "AgentStatusEnum": "automation.serializers_routing.STATUSES",
        "AgentChosenStatusEnum": "automation.serializers_routing.CHOSEN_STATUSES",
    },
}

# --- Celery ------------------------------------------------------------------------------------
# Limits come from the environment; shopee_cs.checks refuses to start when they drift apart.
_limits = celery_limits(env)
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = env.bool("CELERY_TASK_ACKS_LATE", default=True)
CELERY_TASK_REJECT_ON_WORKER_LOST = env.bool("CELERY_TASK_REJECT_ON_WORKER_LOST", default=True)
CELERY_WORKER_PREFETCH_MULTIPLIER = env.int("CELERY_WORKER_PREFETCH_MULTIPLIER", default=1)
CELERY_TASK_TIME_LIMIT = _limits.hard
CELERY_TASK_SOFT_TIME_LIMIT = _limits.soft
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": _limits.visibility}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fixup closes the database connection (and the pool) around every task unless
# told to reuse it: reconnecting was a seventh of each inbound task's time (BM1).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=200)
# Celery logs through LOGGING (JSON lines like the rest) instead of its own plain-text handler.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = False

# --- Logging -----------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "shopee_cs.request_id.RequestIdLogFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT if LOG_FORMAT in ("json", "text") else "json",
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Product settings --------------------------------------------------------------------------
FIRST_RESPONSE_TARGET_SECONDS = env.int("FIRST_RESPONSE_TARGET_SECONDS", default=180)
# Our chat response rate and the marketplace's may differ by this many percentage points before
# the comparison lists the conversations that explain it.
MARKETPLACE_RATE_DIFF_POINTS = env.float("MARKETPLACE_RATE_DIFF_POINTS", default=3.0)
# Reports (docs/metrics.md): each metric's own statement timeout, and the marketplace's
# delivery target (P95 of the outbox's send-to-acknowledgement latency).
KPI_METRIC_TIMEOUT_MS = env.int("KPI_METRIC_TIMEOUT_MS", default=15000)
KPI_DELIVERY_P95_TARGET_MS = env.int("KPI_DELIVERY_P95_TARGET_MS", default=1200)
# The longest date range a report accepts (a longer one is refused with 400, never run).
KPI_MAX_RANGE_DAYS = env.int("KPI_MAX_RANGE_DAYS", default=400)
# The chat response rate the dashboard's gauge compares with (the marketplace's threshold for a
# preferred seller varies by market: 75-90 %, docs/metrics.md).
KPI_RESPONSE_RATE_THRESHOLD = env.float("KPI_RESPONSE_RATE_THRESHOLD", default=0.85)

# --- Marketplaces ------------------------------------------------------------------------------
from shopee_cs.settings.marketplaces import *  # noqa: E402,F403

CELERY_BEAT_SCHEDULE["alerts-scan"] = {  # noqa: F405
    "task": "alerts.scan",
    "schedule": ALERTS_SCAN_INTERVAL_SECONDS,
    "options": {"expires": ALERTS_SCAN_INTERVAL_SECONDS * 5},
}
# The marketplace's own shop figures: hourly, pulling only shops without today's (kpi.tasks).
CELERY_BEAT_SCHEDULE["kpi-marketplace-figures-pull"] = {  # noqa: F405
    "task": "kpi.marketplace_figures_pull",
    "schedule": 3600.0,
    "options": {"expires": 3000},
}

# --- Automation: the intent classifier ---------------------------------------------------------
# Below this top probability a buyer message's intent is "other" and goes to a human (chosen
# from the held-out evaluation, docs/automation.md "Classifier").
AUTOMATION_INTENT_THRESHOLD = env.float("AUTOMATION_INTENT_THRESHOLD", default=0.3)
# Where `classifier_train` keeps the trained model (keyed by corpus hash + scikit-learn version).
AUTOMATION_MODEL_DIR = env.path("AUTOMATION_MODEL_DIR", default=BASE_DIR / ".data" / "classifier")
CELERY_BEAT_SCHEDULE["kpi-rollups-refresh"] = {  # noqa: F405
    "task": "kpi.rollups_refresh",
    "schedule": 600.0,
    "options": {"expires": 3000},
}
