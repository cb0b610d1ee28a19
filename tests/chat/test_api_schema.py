"""The served OpenAPI schema is valid and says every answer: the error responses each operation
can give, positive ids, and one request shape per message kind."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from openapi_spec_validator import validate

from chat.serializers import REPLY_PAYLOADS
from chat.services.pipeline.outbox import KINDS
from shopee_cs.security.roles import ROLE_ADMIN
from shopee_cs.security.scopes import API_SCOPES
from shopee_cs.security.services import api_key_create
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

REPLY = "/api/v1/conversations/{conversation_id}/messages/"


@pytest.fixture
def served(client) -> dict:
    _, raw = api_key_create(
        user=UserFactory(roles=[ROLE_ADMIN]), name="schema", scopes=list(API_SCOPES)
    )
    response = client.get("/api/schema/?format=json", HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert response.status_code == 200
    return response.json()


def _operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_the_served_schema_is_valid_openapi_and_the_one_the_fuzzer_reads(served):
    validate(served)
    assert served == SchemaGenerator().get_schema(request=None, public=True)
    # 14 chat and account, 5 automation, 7 tickets, 2 alerts, 5 reports
    assert len(list(_operations(served))) == 33


def test_every_operation_documents_the_errors_it_can_give(served):
    for path, method, operation in _operations(served):
        statuses = set(operation["responses"])
        assert {"401", "403", "429"} <= statuses, (method, path)
        if "{" in path:
            assert "404" in statuses, (method, path)
        if "requestBody" in operation:
            assert {"400", "415"} <= statuses, (method, path)
            assert list(operation["requestBody"]["content"]) == ["application/json"]
        if any(p["in"] in ("query", "header") for p in operation.get("parameters", [])):
            assert "400" in statuses, (method, path)
        for status, response in operation["responses"].items():
            if status == "204":  # no body
                assert "content" not in response, (method, path)
                continue
            # JSON only, but the reports' tables also come as CSV and XLSX (?format=).
            expected = ["application/json"]
            if path.startswith("/api/v1/reports/") and status == "200":
                expected += ["text/csv", XLSX]
            assert list(response["content"]) == expected, (method, path, status)
    error = served["components"]["schemas"]["ValidationError"]
    assert error["additionalProperties"]["anyOf"][0] == {
        "type": "array",
        "items": {"type": "string"},
    }


def test_ids_in_paths_are_positive(served):
    ids = [
        p["schema"]
        for _, _, operation in _operations(served)
        for p in operation.get("parameters", [])
        if p["in"] == "path"
    ]
    assert ids and all(s["type"] == "integer" and s["minimum"] == 1 for s in ids)


def test_the_reply_body_is_one_shape_per_message_kind(served):
    schemas = served["components"]["schemas"]

    def component(schema: dict) -> dict:
        ref = schema["$ref"] if "$ref" in schema else schema["allOf"][0]["$ref"]
        return schemas[ref.rsplit("/", 1)[1]]

    body = served["paths"][REPLY]["post"]["requestBody"]["content"]["application/json"]
    reply = schemas[body["schema"]["$ref"].rsplit("/", 1)[1]]
    mapping = reply["discriminator"]["mapping"]
    assert reply["discriminator"]["propertyName"] == "kind"
    assert set(mapping) == KINDS == set(REPLY_PAYLOADS)
    for kind, ref in mapping.items():
        variant = schemas[ref.rsplit("/", 1)[1]]
        assert variant["additionalProperties"] is False
        assert component(variant["properties"]["kind"])["enum"] == [kind]
        payload = component(variant["properties"]["payload"])
        assert payload["additionalProperties"] is False
        assert ("payload" in variant.get("required", [])) == (kind != "text")
        for field in payload["properties"].values():
            assert field["type"] == "string" and field["pattern"].startswith("^")
    item = schemas["ItemPayload"]
    assert item["required"] == ["item_id"] and item["properties"]["item_id"]["pattern"]


def test_query_values_that_mean_not_set_are_allowed(served):
    """`?before=` and `?site=` are read as "not set"; the schema must not call them invalid."""
    params = {
        p["name"]: p["schema"]
        for p in served["paths"]["/api/v1/conversations/"]["get"]["parameters"]
    }
    assert "minLength" not in params["cursor"]
    assert "" in params["site"]["enum"] and "" in params["status"]["enum"]
    detail = served["paths"]["/api/v1/conversations/{conversation_id}/"]["get"]["parameters"]
    assert "minLength" not in next(p for p in detail if p["name"] == "before")["schema"]
