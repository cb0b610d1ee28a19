"""JSON and text from a marketplace, made storable in PostgreSQL.

PostgreSQL refuses two things a marketplace's JSON can carry: the NUL character (`\\u0000`) in
text and jsonb, and an unpaired UTF-16 surrogate (`\\ud83d` alone: an emoji cut in half by a
length limit), which is not UTF-8 at all. Either one in a buyer's message failed every write
of it: the push answered 503 on every delivery, and the sync's whole page rolled back on every
run. Both become U+FFFD (the replacement character) here, at the edge, before anything is
stored; every other character is kept, complete emoji included.
"""

import json
import re
from typing import Any

REPLACEMENT = "\ufffd"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# The only ways such a character gets into parsed JSON: Python's json refuses a raw control
# character inside a string, and joins a valid surrogate pair into one character.
_ESCAPE = r"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})"
_ESCAPE_TEXT = re.compile(_ESCAPE)
_ESCAPE_BYTES = re.compile(_ESCAPE.encode())


def _storable(value: Any) -> Any:
    if isinstance(value, str):
        return _UNSTORABLE.sub(REPLACEMENT, value)
    if isinstance(value, list):
        return [_storable(v) for v in value]
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    return value


def loads(raw: bytes | str) -> Any:
    """json.loads, with NUL and unpaired surrogates replaced in every string and key (big
    integers stay exact). A document without such an escape is returned as parsed."""
    data = json.loads(raw)
    escape = _ESCAPE_BYTES if isinstance(raw, bytes | bytearray) else _ESCAPE_TEXT
    return _storable(data) if escape.search(raw) else data


def storable_text(text: str) -> str:
    """Text for a text column (a raw body kept as received, for instance)."""
    return _UNSTORABLE.sub(REPLACEMENT, text)
