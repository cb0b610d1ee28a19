"""The audit log is append-only and read-only in the admin; admin changes are recorded."""

import pytest

from shopee_cs.models import ApiKey, AuditEvent
from shopee_cs.security.services import audit_export, audit_record
from tests.factories import UserFactory, login_verified

pytestmark = pytest.mark.django_db


def test_rows_cannot_be_changed_or_deleted_through_the_orm():
    event = audit_record(action="message.sent", ip="192.0.2.1", details={"chars": 3})
    event.action = "tampered"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "message.sent"


def test_admin_offers_no_add_change_or_delete_even_to_superusers(client):
    login_verified(client, UserFactory(is_superuser=True))
    event = audit_record(action="login.failed")
    assert client.get("/admin/shopee_cs/auditevent/").status_code == 200
    assert client.get("/admin/shopee_cs/auditevent/add/").status_code == 403
    assert client.post(f"/admin/shopee_cs/auditevent/{event.pk}/delete/").status_code == 403
    page = client.get(f"/admin/shopee_cs/auditevent/{event.pk}/change/")
    assert page.status_code == 200 and b'name="action"' not in page.content


def test_export_hook_and_admin_changes_are_recorded_with_the_client_ip(client, rf):
    admin = UserFactory(is_superuser=True)
    request = rf.get("/", REMOTE_ADDR="192.0.2.5")
    request.user = admin
    export = audit_export(request=request, export_name="kpi-daily", row_count=12)
    assert (export.ip, export.actor, export.details["rows"]) == ("192.0.2.5", admin, 12)

    login_verified(client, admin)
    owner = UserFactory()
    response = client.post(
        "/admin/shopee_cs/apikey/add/",
        {"user": owner.pk, "name": "bi", "scopes": ["reports:read"], "cidrs": ""},
    )
    api_key = ApiKey.objects.get(name="bi")
    raw = response.context["raw_key"]
    assert response.status_code == 200 and raw.encode() in response.content
    assert api_key.key_hash not in response.content.decode()
    change = AuditEvent.objects.get(action="admin.added")
    assert change.ip == "127.0.0.1" and change.target_id == str(api_key.pk)
    assert AuditEvent.objects.filter(action="api_key.created", actor=admin).exists()
