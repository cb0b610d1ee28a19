"""JSON and text from a marketplace, made storable in PostgreSQL.

PostgreSQL refuses the NUL character in text and jsonb, so a single `\\u0000` in a buyer's
message would fail every write of it: the push answered 503 again and again, and the sync's
whole page rolled back on every run. NUL becomes U+FFFD (the replacement character) here, at
the edge, before anything is stored; every other character is kept.
"""

import json
from typing import Any

NUL = "\x00"
REPLACEMENT = "\ufffd"


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace(NUL, REPLACEMENT)
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    return value


def loads(raw: bytes | str) -> Any:
    """json.loads, with NUL replaced in every string and key. Python's json keeps big integers
    exact, and refuses a raw control character inside a string, so an escape is the only way
    a NUL gets in: documents without one are returned as parsed."""
    data = json.loads(raw)
    escape = b"\\u0000" if isinstance(raw, bytes | bytearray) else "\\u0000"
    return _without_nul(data) if escape in raw else data


def storable_text(text: str) -> str:
    """Text for a text column (a raw body kept as received, for instance)."""
    return text.replace(NUL, REPLACEMENT) if NUL in text else text
