"""The OpenAPI schema says every answer the API can give, not only the happy one.

A postprocessing hook (SPECTACULAR_SETTINGS) adds the error responses each operation can
produce, from what the operation has: every one needs a key (401), may lack a scope (403) and
may be throttled (429); one with an id in its path may find nothing (404); one that reads input
may refuse it (400, with DRF's validation body as it really is); one that takes a body takes JSON
only (415). Path ids are positive bigints, and request bodies take no undeclared keys.
"""

from typing import Any

from shopee_cs.api_input import MAX_ID

ERROR = "Error"
VALIDATION_ERROR = "ValidationError"

_COMPONENTS = {
    ERROR: {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
        "description": "What went wrong, in one sentence.",
    },
    VALIDATION_ERROR: {
        "type": "object",
        "description": "Each refused field with its messages, nested as the input is "
        '(`{"text": ["..."]}`, `{"payload": {"item_id": ["..."]}}`); `non_field_errors` '
        "for the body as a whole.",
        "additionalProperties": {
            "anyOf": [
                {"type": "array", "items": {"type": "string"}},
                {"$ref": f"#/components/schemas/{VALIDATION_ERROR}"},
            ]
        },
        "minProperties": 1,
        "example": {
            "text": ["Not a valid string."],
            "payload": {"item_id": ["An item id: decimal digits, as a string."]},
        },
    },
}

_DESCRIPTIONS = {
    "400": "The input was refused: which field and why, or (`detail`) why the body could not "
    "be read.",
    "401": "No API key or signed-in session, or the key was refused.",
    "403": "The key lacks a scope this operation needs, or the session is not verified with "
    "its second factor.",
    "404": "No such object among the caller's shops (another group's objects answer the same).",
    "409": "The object's state forbids it (see the operation's description).",
    "415": "The body is not JSON (`Content-Type: application/json`).",
    "429": "Too many requests; `Retry-After` says how many seconds to wait.",
}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _error_response(status: str) -> dict[str, Any]:
    schema = {"anyOf": [_ref(VALIDATION_ERROR), _ref(ERROR)]} if status == "400" else _ref(ERROR)
    response: dict[str, Any] = {
        "description": _DESCRIPTIONS[status],
        "content": {"application/json": {"schema": schema}},
    }
    if status == "429":
        response["headers"] = {
            "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}
        }
    return response


def _statuses(operation: dict[str, Any]) -> list[str]:
    params = operation.get("parameters", [])
    statuses = ["401", "403", "429"]
    if any(p["in"] == "path" for p in params):
        statuses.append("404")
    if operation.get("requestBody") or any(p["in"] in ("query", "header") for p in params):
        statuses.append("400")
    if operation.get("requestBody"):
        statuses.append("415")
    return statuses


def _close_request_bodies(result: dict[str, Any]) -> None:
    """Every input serializer refuses unknown keys (shopee_cs.api_input.ClosedSerializer)."""
    schemas = result["components"]["schemas"]
    pending = [
        body["content"]["application/json"]["schema"]
        for path in result["paths"].values()
        for operation in path.values()
        if (body := operation.get("requestBody"))
    ]
    seen: set[str] = set()
    while pending:
        schema = pending.pop()
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[1]
            if name not in seen:
                seen.add(name)
                pending.append(schemas[name])
            continue
        pending.extend(schema.get("oneOf", []))
        if "properties" in schema:
            schema["additionalProperties"] = False
            pending.extend(schema["properties"].values())


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {}).update(_COMPONENTS)
    for path in result["paths"].values():
        for operation in path.values():
            for param in operation.get("parameters", []):
                if param["in"] == "path" and param["schema"].get("type") == "integer":
                    param["schema"].update(minimum=1, maximum=MAX_ID)
            responses = operation.setdefault("responses", {})
            for status in _statuses(operation):
                responses[status] = _error_response(status)
            if "409" in responses and not responses["409"].get("description"):
                responses["409"]["description"] = _DESCRIPTIONS["409"]
            # Only JSON is accepted (SafeJSONParser); say so for every body.
            if body := operation.get("requestBody"):
                body["content"] = {"application/json": body["content"]["application/json"]}
    _close_request_bodies(result)
    return result
