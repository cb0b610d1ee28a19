"""API keys: hashed, scoped, IP-bound, expiring, revocable at once; OTP is not asked of them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shopee_cs.models import ApiKey, AuditEvent, IPAllowlistEntry
from shopee_cs.security.services import allowlist_entry_add, api_key_create, api_key_revoke
from tests.factories import AgentGroupFactory, ShopFactory, UserFactory

pytestmark = pytest.mark.django_db


def _get(client, path, key, **extra):
    return client.get(path, HTTP_AUTHORIZATION=f"Api-Key {key}", **extra)


@pytest.fixture
def agent_key():
    user = UserFactory()
    own, other = ShopFactory(), ShopFactory()
    AgentGroupFactory(shops=[own], members=[user])
    api_key, raw = api_key_create(user=user, name="reports bot", scopes=["shops:read"])
    return api_key, raw, own, other


def test_key_is_stored_hashed_and_works_without_otp(client, agent_key):
    api_key, raw, _own, _ = agent_key
    assert raw not in (api_key.key_hash, api_key.prefix) and raw.startswith(
        f"scs_{api_key.prefix}_"
    )
    me = _get(client, "/api/v1/me/", raw)
    assert me.status_code == 200
    assert me.json()["api_key"] == {
        "name": "reports bot",
        "prefix": api_key.prefix,
        "scopes": ["shops:read"],
    }
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None
    assert AuditEvent.objects.filter(action="api_key.used", target_id=str(api_key.pk)).exists()


def test_bearer_scheme_works_too(client, agent_key):
    _, raw, _, _ = agent_key
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_key_sees_only_its_owners_shops(client, agent_key):
    _, raw, own, other = agent_key
    listed = _get(client, "/api/v1/shops/", raw).json()
    assert [s["id"] for s in listed] == [own.pk]
    assert _get(client, f"/api/v1/shops/{other.pk}/", raw).status_code == 404


def test_key_without_the_scope_is_refused_and_audited(client):
    user = UserFactory(is_superuser=True)
    _api_key, raw = api_key_create(user=user, name="kpi", scopes=["reports:read"])
    response = _get(client, "/api/v1/shops/", raw)
    assert response.status_code == 403
    event = AuditEvent.objects.get(action="api_key.scope_refused")
    assert event.ip == "127.0.0.1" and event.details["required"] == ["shops:read"]


def test_revoked_key_is_refused_at_once(client, agent_key):
    api_key, raw, _, _ = agent_key
    assert _get(client, "/api/v1/me/", raw).status_code == 200
    api_key_revoke(api_key=api_key)
    assert _get(client, "/api/v1/me/", raw).status_code == 401
    refused = AuditEvent.objects.get(action="api_key.refused")
    assert refused.details["reason"] == "revoked" and refused.ip == "127.0.0.1"


def test_expired_key_is_refused(client):
    _, raw = api_key_create(
        user=UserFactory(), name="old", scopes=[], expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert _get(client, "/api/v1/me/", raw).status_code == 401


def test_ip_bound_key_works_only_from_its_cidrs(client):
    user = UserFactory()
    _, raw = api_key_create(user=user, name="bound", scopes=[], cidrs=["127.0.0.1/32"])
    other_key, other_raw = api_key_create(
        user=user, name="elsewhere", scopes=[], cidrs=["192.0.2.0/24"]
    )
    assert _get(client, "/api/v1/me/", raw).status_code == 200
    assert _get(client, "/api/v1/me/", other_raw).status_code == 401
    assert IPAllowlistEntry.objects.filter(api_key=other_key).count() == 1
    event = AuditEvent.objects.get(action="api_key.refused")
    assert event.details["reason"] == "ip_not_allowed" and event.ip == "127.0.0.1"


def test_key_never_skips_the_owners_allowlist(client, settings):
    settings.TRUSTED_PROXIES = []
    user = UserFactory()
    allowlist_entry_add(cidr="198.51.100.0/24", scope=IPAllowlistEntry.Scope.USER, user=user)
    allowlist_entry_add(cidr="127.0.0.1/32", scope=IPAllowlistEntry.Scope.USER, user=UserFactory())
    _, raw = api_key_create(user=user, name="k", scopes=[])
    spoofed = _get(client, "/api/v1/me/", raw, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert spoofed.status_code == 401


def test_wrong_or_malformed_keys_are_refused(client, agent_key):
    api_key, raw, _, _ = agent_key
    assert _get(client, "/api/v1/me/", raw[:-2] + "xx").status_code == 401
    assert _get(client, "/api/v1/me/", "nonsense").status_code == 401
    assert client.get("/api/v1/me/").status_code in (401, 403)
    assert ApiKey.objects.filter(pk=api_key.pk, revoked_at=None).exists()
