"""Interfaces (apis.py, views.py, consumers.py) never touch `Model.objects`: they get rows from
selectors, which scope them to what the user may see."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PATTERN = re.compile(r"\b[A-Z]\w*\.objects\b")
INTERFACES = {"apis.py", "views.py", "consumers.py"}
SKIP = {".venv", ".git", "node_modules", ".data", "staticfiles", "tests"}


def _interface_files():
    for path in ROOT.rglob("*.py"):
        if path.name in INTERFACES and not SKIP & set(path.relative_to(ROOT).parts):
            yield path


def test_interface_modules_exist_to_be_checked():
    names = {p.relative_to(ROOT).as_posix() for p in _interface_files()}
    assert {"chat/apis.py", "shopee_cs/security/views.py", "chat/consumers.py"} <= names


def test_no_model_objects_in_interface_modules():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _interface_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if PATTERN.search(line)
    ]
    assert offenders == [], "use a selector instead:\n" + "\n".join(offenders)
