"""JSON round-trips of the neutral DTOs, so pushes can be stored before they are processed."""

import dataclasses
import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from integrations.types import (
    PUSH_PAYLOADS,
    AuthPush,
    ChatMessagePush,
    Message,
    MessageKind,
    OrderStatus,
    OrderStatusPush,
    PushEvent,
    PushKind,
    PushPayload,
    ReturnPush,
    ReturnStatus,
    SenderRole,
)


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


def _enum[E: enum.Enum](cls: type[E], value: Any, default: E) -> E:
    try:
        return cls(value)
    except ValueError:
        return default


def push_payload_from_jsonable(kind: PushKind, data: Any) -> PushPayload | None:
    """The typed payload of a stored push (payloads stored before they were typed read the
    same: the field names are the keys they had)."""
    cls = PUSH_PAYLOADS.get(kind)
    if cls is None or not isinstance(data, dict):
        return None
    values = {f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data}
    if cls is ChatMessagePush and isinstance(values.get("message"), dict):
        values["message"] = message_from_jsonable(values["message"])
    elif cls is OrderStatusPush:
        values["status_code"] = _enum(OrderStatus, values.get("status_code"), OrderStatus.UNKNOWN)
    elif cls is ReturnPush:
        values["status_code"] = _enum(ReturnStatus, values.get("status_code"), ReturnStatus.UNKNOWN)
    elif cls is AuthPush:
        for name in ("shop_ids", "merchant_ids"):
            values[name] = tuple(values.get(name) or ())
        if values.get("expires_before"):
            values["expires_before"] = datetime.fromisoformat(values["expires_before"])
    return cls(**values)


def push_event_from_jsonable(data: dict[str, Any]) -> PushEvent:
    kind = PushKind(data["kind"])
    occurred = data.get("occurred_at")
    return PushEvent(
        kind=kind,
        shop_id=data.get("shop_id"),
        dedup_key=data["dedup_key"],
        occurred_at=datetime.fromisoformat(occurred) if occurred else None,
        payload=push_payload_from_jsonable(kind, data.get("payload")),
        platform_code=data.get("platform_code", ""),
    )
