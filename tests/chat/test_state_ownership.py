"""One module owns the conversations' clocks and status: chat.services.state. Nothing else in
the source assigns them, names them in an update, or writes them in SQL."""

import ast
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
OWNER = ROOT / "chat" / "services" / "state.py"
PACKAGES = ("shopee_cs", "integrations", "chat", "tickets", "kpi")
CLOCKS = {"awaiting_reply_since", "last_buyer_message_at", "last_seller_message_at"}
WRITES = {"update", "create", "get_or_create", "update_or_create", "bulk_update", "bulk_create"}
SAVES = {"save", "save_fields", "save_fields_statement", "bulk_update"}
SQL_WRITE = re.compile(r"\b(UPDATE|INSERT\s+INTO)\b[^;]*\bchat_conversation\b(?!\w)", re.I | re.S)


def _conversation(node: ast.AST) -> bool:
    """Does the expression name a conversation (`conversation.status`, `Conversation.objects`)?"""
    return "conversation" in ast.unparse(node).lower()


def _strings(node: ast.AST) -> set[str]:
    return {
        n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def _call_writes(node: ast.Call) -> list[str]:
    func = node.func
    method = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    receiver = func.value if isinstance(func, ast.Attribute) else func
    found = []
    if method in WRITES:
        for keyword in node.keywords:
            if keyword.arg in CLOCKS or (keyword.arg == "status" and _conversation(receiver)):
                found.append(f"line {node.lineno}: {method}({keyword.arg}=...)")
    if method in SAVES:
        named = _strings(node) & (CLOCKS | ({"status"} if _conversation(node) else set()))
        if named:
            found.append(f"line {node.lineno}: {method} names {sorted(named)}")
    return found


def clock_writes(source: str) -> list[str]:
    """Each place in `source` that writes a conversation's clock field or status."""
    found = []
    for node in ast.walk(ast.parse(source)):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            for t in ast.walk(target):
                if isinstance(t, ast.Attribute) and (
                    t.attr in CLOCKS or (t.attr == "status" and _conversation(t.value))
                ):
                    found.append(f"line {node.lineno}: assigns {ast.unparse(t)}")
        if isinstance(node, ast.Call):
            found += _call_writes(node)
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and SQL_WRITE.search(node.value)
            and (CLOCKS & set(re.findall(r"\w+", node.value)) or "status" in node.value)
        ):
            found.append(f"line {node.lineno}: SQL writes the conversation's clocks")
    return found


def test_only_the_state_module_writes_the_clocks_and_status():
    offenders = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == OWNER or "migrations" in path.parts:
                continue
            found = clock_writes(path.read_text())
            if found:
                offenders[str(path.relative_to(ROOT))] = found
    assert offenders == {}


def test_the_walk_finds_each_kind_of_write():
    # The checker itself: each way the clocks were written before this module owned them.
    samples = {
        "conversation.awaiting_reply_since = at": 1,
        "conversation.status = Conversation.Status.OPEN": 1,
        "message.status = Message.Status.SENT": 0,
        "Conversation.objects.filter(pk=1).update(status='open')": 1,
        "Message.objects.filter(pk=1).update(status='sent')": 0,
        "Conversation.objects.update(last_seller_message_at=None)": 1,
        "c.save(update_fields=['status', 'awaiting_reply_since'])": 1,
        "save_fields_statement(conversation, 'last_buyer_message_at')": 1,
        "save_fields_statement(delivery, 'status', 'last_error')": 0,
        "sql = 'UPDATE chat_conversation AS c SET awaiting_reply_since = u.ar'": 1,
        "sql = 'UPDATE chat_message SET status = %s'": 0,
        "rows = Conversation.objects.filter(awaiting_reply_since__isnull=False)": 0,
        "columns = {'awaiting_reply_since': 'c.awaiting_reply_since'}": 0,
    }
    for source, count in samples.items():
        assert len(clock_writes(source)) == count, source
