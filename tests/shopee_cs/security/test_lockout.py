"""django-axes keys the lockout on (username, real client IP); rotating XFF does not dodge it."""

import pytest
from django.conf import settings

from shopee_cs.models import AuditEvent
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _attempt(client, username, password, xff):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR=xff,
    )


def test_rotating_forwarded_for_still_locks_the_account_at_the_real_ip(client):
    user = UserFactory()
    for i in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, user.username, "wrong", f"198.51.100.{i}")
    locked = _attempt(client, user.username, PASSWORD, "198.51.100.200")
    assert locked.status_code == 429
    assert b"Try again in" in locked.content
    failures = AuditEvent.objects.filter(action="login.failed")
    assert failures.count() >= settings.AXES_FAILURE_LIMIT
    assert set(failures.values_list("ip", flat=True)) == {"127.0.0.1"}
    assert AuditEvent.objects.filter(action="login.locked_out", ip="127.0.0.1").exists()


def test_lockout_of_one_user_leaves_colleagues_behind_the_same_ip_alone(client):
    victim, colleague = UserFactory(), UserFactory()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _attempt(client, victim.username, "wrong", "")
    response = _attempt(client, colleague.username, PASSWORD, "")
    assert response.status_code == 302 and "/accounts/2fa/" in response["Location"]
