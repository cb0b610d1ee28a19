"""Parsing and validation of environment configuration, failing fast with the variable's name."""

from dataclasses import dataclass
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

_POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql"}
_REDIS_SCHEMES = {"redis", "rediss", "unix"}


def database_config(url: str) -> dict:
    """Django DATABASES entry for a PostgreSQL URL; anything else is refused by name."""
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError on a non-numeric port
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from exc
    if parts.scheme not in _POSTGRES_SCHEMES:
        raise ImproperlyConfigured(
            f"DATABASE_URL must be a PostgreSQL URL (postgres://user@host:port/name); "
            f"got scheme {parts.scheme!r}. PostgreSQL is the only supported database."
        )
    if not parts.path.strip("/"):
        raise ImproperlyConfigured("DATABASE_URL is malformed: it names no database.")
    if not parts.hostname and "host=" not in parts.query:
        raise ImproperlyConfigured("DATABASE_URL is malformed: it names no host or socket.")
    config = environ.Env.db_url_config(url)
    config["ENGINE"] = "django.db.backends.postgresql"
    if port is not None:
        config["PORT"] = port
    return config


def redis_url_checked(url: str) -> str:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - validates the port
    except ValueError as exc:
        raise ImproperlyConfigured(f"REDIS_URL is malformed: {exc}") from exc
    if parts.scheme not in _REDIS_SCHEMES or not (parts.hostname or parts.path):
        raise ImproperlyConfigured(f"REDIS_URL must look like redis://host:port/db; got {url!r}.")
    return url


@dataclass(frozen=True)
class CeleryLimits:
    soft: int
    hard: int
    visibility: int


def celery_limits(env: environ.Env) -> CeleryLimits:
    def positive(name: str, default: int) -> int:
        try:
            value = env.int(name, default=default)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name} must be an integer number of seconds.") from exc
        if value <= 0:
            raise ImproperlyConfigured(f"{name} must be positive, got {value}.")
        return value

    hard = positive("CELERY_TASK_TIME_LIMIT", 300)
    soft = positive("CELERY_TASK_SOFT_TIME_LIMIT", max(hard - 30, 1))
    visibility = positive("CELERY_VISIBILITY_TIMEOUT", 3600)
    return CeleryLimits(soft=soft, hard=hard, visibility=visibility)
