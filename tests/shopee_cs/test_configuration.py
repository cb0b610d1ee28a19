"""Bad configuration fails fast, naming the variable. Settings are imported in a fresh process,
exactly as daphne, Celery or manage.py would import them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "s3cr3t-" + "abcdefghij" * 6


def _run(code: str, **overrides: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **overrides}
    for name, value in overrides.items():
        if value is None:
            env.pop(name)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


SETUP = "import django; django.setup()"


def _production(**overrides):
    base = {
        "DJANGO_SETTINGS_MODULE": "shopee_cs.settings.production",
        "SECRET_KEY": GOOD_SECRET,
        "ALLOWED_HOSTS": "cs.example.com",
        "TOKEN_ENCRYPTION_KEYS": "uW2yB6o0sQ3XWb6wBv4a2mC0b3x0qG7H8j1Z0kq4n2Q=",
    }
    return {**base, **overrides}


def test_production_settings_load_with_complete_configuration():
    result = _run(SETUP, **_production())
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    "url",
    ["mysql://root@127.0.0.1/shopee_cs", "postgres://postgres@127.0.0.1:notaport/x", "nonsense"],
)
def test_malformed_database_url_is_refused_by_name(url):
    result = _run(SETUP, **_production(DATABASE_URL=url))
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_malformed_redis_url_is_refused_by_name():
    result = _run(SETUP, **_production(REDIS_URL="http://127.0.0.1:6379"))
    assert result.returncode != 0
    assert "REDIS_URL" in result.stderr


def test_production_without_secret_key_is_refused_by_name():
    env = _production()
    env["SECRET_KEY"] = ""
    result = _run(SETUP, **env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_production_with_weak_secret_key_is_refused():
    result = _run(SETUP, **_production(SECRET_KEY="short"))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_unknown_report_time_zone_is_refused_by_name():
    result = _run(SETUP, **_production(REPORT_TIME_ZONE="Mars/Olympus"))
    assert result.returncode != 0
    assert "REPORT_TIME_ZONE" in result.stderr


def test_visibility_timeout_shorter_than_task_limit_fails_the_startup_check():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={
            **os.environ,
            **_production(CELERY_VISIBILITY_TIMEOUT="60", CELERY_TASK_TIME_LIMIT="300"),
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "shopee_cs.E005" in result.stderr
    assert "CELERY_VISIBILITY_TIMEOUT" in result.stderr


def test_non_numeric_time_limit_is_refused_by_name():
    result = _run(SETUP, **_production(CELERY_TASK_TIME_LIMIT="five minutes"))
    assert result.returncode != 0
    assert "CELERY_TASK_TIME_LIMIT" in result.stderr


def test_production_without_token_encryption_keys_is_refused_by_name():
    env = _production()
    env["TOKEN_ENCRYPTION_KEYS"] = ""
    result = _run(SETUP, **env)
    assert result.returncode != 0
    assert "TOKEN_ENCRYPTION_KEYS" in result.stderr
