"""The Docker files agree with the settings: the env file names only variables the settings
read, and as shipped (secrets empty) it cannot start production; secrets stay out of the image."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _env_example() -> dict[str, str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    pairs = [line.split("=", 1) for line in lines if line and not line.startswith("#")]
    return {name: value for name, value in pairs}


def test_every_variable_of_the_env_file_is_read_by_the_settings():
    settings_source = "".join(p.read_text() for p in (ROOT / "shopee_cs/settings").glob("*.py"))
    read = set(re.findall(r"""env\.\w+\(\s*["'](\w+)["']""", settings_source))
    unknown = set(_env_example()) - read
    assert not unknown, f"not read by any setting: {unknown}"


def test_the_env_file_as_shipped_does_not_start_production():
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        **_env_example(),
        "DJANGO_SETTINGS_MODULE": "shopee_cs.settings.production",
        # As compose.yaml sets them (nothing connects: settings only).
        "DATABASE_URL": "postgres://shopee_cs:shopee_cs@postgres:5432/shopee_cs",
        "REDIS_URL": "redis://redis:6379/0",
    }
    started = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert started.returncode != 0
    assert "SECRET_KEY must be set in production." in started.stderr


def test_local_secrets_and_data_stay_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".env", ".data", ".venv"} <= set(ignored)
