"""The layer order is enforced: an upward import in a copy of the tree breaks the contract."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = [
    "shopee_cs", "integrations", "chat", "tickets", "automation", "alerts", "quality", "kpi",
]  # fmt: skip


def _lint_copy(tmp_path: Path, upward_import: str | None) -> subprocess.CompletedProcess:
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    if upward_import:
        target, statement = upward_import.split(":", 1)
        with open(tmp_path / target, "a", encoding="utf-8") as handle:
            handle.write(f"\n{statement}\n")
    lint = Path(sys.executable).with_name("lint-imports")
    return subprocess.run(
        [str(lint), "--no-cache"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )


def test_current_tree_keeps_the_layer_contract(tmp_path):
    result = _lint_copy(tmp_path, None)
    assert result.returncode == 0, result.stdout


def test_integrations_importing_chat_breaks_the_contract(tmp_path):
    result = _lint_copy(tmp_path, "integrations/models.py:import chat.models  # noqa")
    assert result.returncode != 0
    assert "integrations.models -> chat.models" in result.stdout


def test_core_importing_kpi_breaks_the_contract(tmp_path):
    result = _lint_copy(tmp_path, "shopee_cs/health.py:import kpi  # noqa")
    assert result.returncode != 0
    assert "BROKEN" in result.stdout


def test_feature_apps_keep_their_order(tmp_path):
    # Automation opens tickets (allowed); the quality app is read only by kpi, so an alert
    # reaching into it, or tickets reaching into automation, breaks the contract.
    allowed = _lint_copy(tmp_path / "ok", "automation/apps.py:import tickets.apps  # noqa")
    assert allowed.returncode == 0, allowed.stdout
    upward = _lint_copy(tmp_path / "up", "alerts/apps.py:import quality.apps  # noqa")
    assert upward.returncode != 0
    assert "alerts.apps -> quality.apps" in upward.stdout
    tickets_up = _lint_copy(tmp_path / "t", "tickets/apps.py:import automation.apps  # noqa")
    assert "tickets.apps -> automation.apps" in tickets_up.stdout
