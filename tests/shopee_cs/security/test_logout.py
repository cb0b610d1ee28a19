"""Logout ends the session wherever it is kept, even while Redis (the session cache) is
unreachable and comes back later with the logged-out session still in it."""

import pytest
from django.test import Client

from shopee_cs.models import AuditEvent
from tests.factories import UserFactory, login_verified

pytestmark = pytest.mark.django_db

DEAD = "redis://127.0.0.1:1/0"


def test_a_logout_redis_cannot_record_ends_every_session_of_the_user(client, settings):
    user = UserFactory()
    login_verified(client, user)
    elsewhere = Client()  # the same agent signed in on another device
    login_verified(elsewhere, user)
    assert client.get("/console/").status_code == 200
    logged_out_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    live = settings.CACHES
    settings.CACHES = {"default": {**live["default"], "LOCATION": DEAD}}
    assert client.post("/accounts/logout/").status_code == 302
    settings.CACHES = live  # Redis is back, the logged-out session still cached in it

    replayed = Client()
    replayed.cookies[settings.SESSION_COOKIE_NAME] = logged_out_cookie
    assert replayed.get("/console/").status_code == 302  # to sign-in: the session is over
    assert elsewhere.get("/console/").status_code == 302
    user.refresh_from_db()
    assert user.session_generation == 1
    assert AuditEvent.objects.filter(action="sessions.ended", actor=user).count() == 1
    login_verified(client, user)  # signing in again works as usual
    assert client.get("/console/").status_code == 200


def test_a_normal_logout_ends_only_its_own_session(client, settings):
    user = UserFactory()
    login_verified(client, user)
    elsewhere = Client()
    login_verified(elsewhere, user)
    logged_out_cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.post("/accounts/logout/").status_code == 302
    replayed = Client()
    replayed.cookies[settings.SESSION_COOKIE_NAME] = logged_out_cookie
    assert replayed.get("/console/").status_code == 302
    assert elsewhere.get("/console/").status_code == 200
    user.refresh_from_db()
    assert user.session_generation == 0
    assert not AuditEvent.objects.filter(action="sessions.ended").exists()
