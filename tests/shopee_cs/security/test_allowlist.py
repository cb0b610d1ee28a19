"""IP allowlist: spoofed X-Forwarded-For never passes; refusals are audited with the real IP."""

import pytest

from shopee_cs.models import AuditEvent, IPAllowlistEntry
from shopee_cs.security.allowlist import (
    allowlist_entries,
    ip_allowed_anonymous,
    ip_allowed_for_user,
)
from shopee_cs.security.services import allowlist_entry_add, roles_ensure
from tests.factories import UserFactory, login_verified

pytestmark = pytest.mark.django_db

OFFICE = "198.51.100.0/24"


def test_spoofed_forwarded_for_from_an_untrusted_peer_is_refused_and_audited(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    allowlist_entry_add(cidr=OFFICE)
    response = client.get(
        "/accounts/login/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    assert response.status_code == 403
    assert b"not allowed" in response.content
    event = AuditEvent.objects.get(action="allowlist.refused")
    assert event.ip == "203.0.113.9"


def test_forwarded_for_from_a_trusted_proxy_is_believed(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    allowlist_entry_add(cidr=OFFICE)
    ok = client.get("/accounts/login/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.7")
    spoof = client.get(
        "/accounts/login/",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9",  # the real client appended last
    )
    assert (ok.status_code, spoof.status_code) == (200, 403)


def test_marketplace_webhooks_and_health_are_exempt(client):
    allowlist_entry_add(cidr=OFFICE)
    assert client.get("/healthz", REMOTE_ADDR="203.0.113.9").status_code == 200
    response = client.post("/webhooks/shopee/", data=b"{}", content_type="application/json")
    assert response.status_code != 403 or b"not allowed" not in response.content


def test_signed_in_user_outside_their_entries_is_refused(client):
    user = UserFactory()
    allowlist_entry_add(cidr="127.0.0.1/32", scope=IPAllowlistEntry.Scope.USER, user=user)
    other = UserFactory()
    allowlist_entry_add(cidr=OFFICE, scope=IPAllowlistEntry.Scope.USER, user=other)
    login_verified(client, other)
    # 127.0.0.1 is on *someone's* list (login page reachable) but not on this user's.
    assert client.get("/console/").status_code == 403
    login_verified(client, user)
    assert client.get("/console/").status_code == 200


def test_role_entries_apply_to_members_of_the_role():
    roles = roles_ensure()
    agent = UserFactory(roles=["Agent"])
    admin = UserFactory(roles=["Admin"])
    allowlist_entry_add(cidr=OFFICE, scope=IPAllowlistEntry.Scope.ROLE, role=roles["Agent"])
    assert ip_allowed_for_user("198.51.100.7", user=agent)
    assert not ip_allowed_for_user("198.51.100.7", user=admin)


def test_empty_allowlist_allows_only_private_ranges_when_not_enforced(settings):
    settings.IP_ALLOWLIST_ENFORCED = False
    assert ip_allowed_anonymous("127.0.0.1") and ip_allowed_anonymous("192.168.1.5")
    assert not ip_allowed_anonymous("203.0.113.9")
    settings.IP_ALLOWLIST_ENFORCED = True
    assert not ip_allowed_anonymous("127.0.0.1")
    assert not ip_allowed_anonymous(None)


def test_cache_is_dropped_when_an_entry_changes():
    entry = allowlist_entry_add(cidr=OFFICE)
    assert len(allowlist_entries()) == 1
    assert ip_allowed_anonymous("198.51.100.7")
    entry.cidr = "192.0.2.0/24"
    entry.save()
    assert not ip_allowed_anonymous("198.51.100.7")
    entry.delete()
    assert allowlist_entries() == []
