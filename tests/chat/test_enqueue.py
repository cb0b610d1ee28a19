"""Services queue work by task name: no service imports chat.tasks, and each name is a task."""

import ast
from pathlib import Path

import pytest

from chat import enqueue
from shopee_cs.celery import app

ROOT = Path(__file__).resolve().parents[2]


def test_no_service_imports_the_task_module():
    offenders = []
    for path in (ROOT / "chat" / "services").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            if any(name == "chat.tasks" for name in names):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_every_task_name_the_services_use_is_a_registered_task():
    names = [getattr(enqueue, n) for n in dir(enqueue) if n.isupper()]
    assert names
    for name in names:
        assert app.tasks[name].name == name


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_queues_nothing(monkeypatch):
    from django.db import transaction

    sent = []
    task = app.tasks[enqueue.OUTBOUND_DELIVERY_SEND]
    monkeypatch.setattr(task, "apply_async", lambda args, countdown=None: sent.append(args))
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue.enqueue_on_commit(enqueue.OUTBOUND_DELIVERY_SEND, 7)
        raise RuntimeError("rolled back")
    with transaction.atomic():
        enqueue.enqueue_on_commit(enqueue.OUTBOUND_DELIVERY_SEND, 8)
    assert sent == [(8,)]
