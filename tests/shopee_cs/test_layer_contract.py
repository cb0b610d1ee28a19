"""The layer order is enforced: an upward import in a copy of the tree breaks the contract."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["shopee_cs", "integrations", "chat", "tickets", "kpi"]


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
