"""JSON round-trips of the neutral DTOs, so pushes can be stored before they are processed."""

import dataclasses
import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from integrations.types import Message, MessageKind, PushEvent, PushKind, SenderRole


def to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def message_from_jsonable(data: dict[str, Any]) -> Message:
    fields = {f.name for f in dataclasses.fields(Message)}
    values = {k: v for k, v in data.items() if k in fields}
    values["sender"] = SenderRole(values["sender"])
    values["kind"] = MessageKind(values["kind"])
    values["sent_at"] = datetime.fromisoformat(values["sent_at"])
    return Message(**values)


def push_event_to_jsonable(event: PushEvent) -> dict[str, Any]:
    return to_jsonable(event)


def push_event_from_jsonable(data: dict[str, Any]) -> PushEvent:
    payload = dict(data.get("payload") or {})
    if isinstance(payload.get("message"), dict):
        payload["message"] = message_from_jsonable(payload["message"])
    occurred = data.get("occurred_at")
    return PushEvent(
        kind=PushKind(data["kind"]),
        shop_id=data.get("shop_id"),
        dedup_key=data["dedup_key"],
        occurred_at=datetime.fromisoformat(occurred) if occurred else None,
        payload=payload,
        platform_code=data.get("platform_code", ""),
    )
