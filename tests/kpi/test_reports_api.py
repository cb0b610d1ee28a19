"""The reports API over the timelines of tests/kpi/timelines.py (expected figures as in
test_metrics.py)."""

import csv
import io

import pytest
from openpyxl import load_workbook

from shopee_cs.security.roles import ROLE_ADMIN
from shopee_cs.security.services import api_key_create
from tests.factories import AgentGroupFactory, UserFactory, login_verified

pytestmark = pytest.mark.django_db
RANGE = {"from": "2026-03-02", "to": "2026-03-03", "tz": "UTC"}


def key(user, scopes=("reports:read",)) -> dict:
    _, raw = api_key_create(user=user, name="reports", scopes=list(scopes))
    return {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}


@pytest.fixture
def admin_key(world):
    return key(UserFactory(roles=[ROLE_ADMIN]))


def test_per_agent_csv_with_a_reports_key(client, world, admin_key):
    response = client.get("/api/v1/reports/agents/", {**RANGE, "format": "csv"}, **admin_key)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        'attachment; filename="agents-2026-03-02-2026-03-03.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    alice = next(r for r in rows if r["agent_name"] == "alice")
    # alice's first responses: c1, c4, c5 (shop A), avg 16 040 000 ms.
    assert alice["frt_count"] == "3" and float(alice["frt_avg_ms"]) == 16_040_000


def test_xlsx_export(client, world, admin_key):
    response = client.get("/api/v1/reports/shops/", {**RANGE, "format": "xlsx"}, **admin_key)
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].endswith('shops-2026-03-02-2026-03-03.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in next(sheet.iter_rows())]
    assert header[:5] == ["shop", "shop_name", "site", "platform", "frt_count"]
    assert sheet.max_row == 3  # shops A and B


def test_json_summary_matches_the_metrics(client, world, admin_key):
    response = client.get("/api/v1/reports/summary/", {**RANGE, "shop": world["a"].pk}, **admin_key)
    body = response.json()
    assert response.status_code == 200 and body["errors"] == {}
    (row,) = body["rows"]
    assert row["frt_count"] == 4 and row["frt_avg_ms"] == 12_180_000
    assert row["attainment_rate"] == 0.25 and row["reply_rate_waits"] == 7


def test_trend_by_day_in_the_report_zone(client, world, admin_key):
    params = {**RANGE, "tz": "Asia/Shanghai", "bucket": "day", "shop": world["a"].pk}
    rows = client.get("/api/v1/reports/trend/", params, **admin_key).json()["rows"]
    assert {r["period"]: r["frt_count"] for r in rows} == {"2026-03-02": 2, "2026-03-03": 2}


def test_response_rate_per_shop(client, world, admin_key):
    params = {**RANGE, "to": "2026-03-03", "window_days": 2}
    rows = client.get("/api/v1/reports/response-rate/", params, **admin_key).json()["rows"]
    by_shop = {r["shop"]: r for r in rows}
    assert by_shop[world["a"].pk]["chats"] == 7 and by_shop[world["b"].pk]["rate"] is None


def test_a_key_without_the_scope_gets_403(client, world):
    headers = key(UserFactory(roles=[ROLE_ADMIN]), scopes=("shops:read",))
    assert client.get("/api/v1/reports/agents/", RANGE, **headers).status_code == 403


def test_an_agent_session_sees_only_its_groups_shops(client, world):
    agent = UserFactory()
    AgentGroupFactory(shops=[world["b"]], members=[agent])
    login_verified(client, agent)
    rows = client.get("/api/v1/reports/shops/", RANGE).json()["rows"]
    assert [r["shop"] for r in rows] == [world["b"].pk]
    # Asking for another group's shop by id gives nothing, not its figures.
    rows = client.get("/api/v1/reports/summary/", {**RANGE, "shop": world["a"].pk}).json()["rows"]
    assert rows[0]["frt_count"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-03-05", "to": "2026-03-01"}, "to"),
        ({"from": "2024-01-01", "to": "2025-12-31"}, "to"),  # two years: refused, never run
        ({"from": "yesterday", "to": "2026-03-01"}, "from"),
        ({"from": "2026-03-01", "to": "2026-03-02", "tz": "Mars/Olympus"}, "tz"),
        ({"from": "2026-03-01", "to": "2026-03-02", "group_by": "colour"}, "group_by"),
        ({"from": "2026-03-01", "to": "2026-03-02", "bucket": "year"}, "bucket"),
        ({"to": "2026-03-02"}, "from"),
    ],
)
def test_bad_parameters_get_400_naming_them(client, world, admin_key, params, field):
    response = client.get("/api/v1/reports/trend/", {**params, "format": "csv"}, **admin_key)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert field in response.json()
