"""API throttles: signed-in users per user, anonymous callers per address; a 429 says when."""

import pytest
from rest_framework.settings import api_settings

from tests.factories import UserFactory, login_verified

pytestmark = pytest.mark.django_db

LIST = "/api/v1/conversations/"


@pytest.fixture
def low_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "2/minute", "user": "3/minute"},
    }
    assert api_settings.DEFAULT_THROTTLE_RATES["user"] == "3/minute"
    return settings


def test_a_user_over_the_rate_gets_429_with_retry_after(client, low_rates):
    login_verified(client, UserFactory())
    assert [client.get(LIST).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(LIST)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60


def test_users_behind_one_address_are_counted_apart(client, low_rates):
    from django.test import Client

    login_verified(client, UserFactory())
    colleague = Client()
    login_verified(colleague, UserFactory())
    for _ in range(3):
        assert client.get(LIST).status_code == 200
    assert client.get(LIST).status_code == 429
    assert colleague.get(LIST).status_code == 200  # same 127.0.0.1, own count


def test_anonymous_callers_are_counted_per_address(low_rates):
    # No API view admits anonymous callers today (they get 401 before any throttle), so the
    # throttle is exercised on a request of its own.
    from django.contrib.auth.models import AnonymousUser
    from rest_framework.test import APIRequestFactory

    from shopee_cs.security.drf import AnonThrottle

    def allowed(address: str) -> bool:
        request = APIRequestFactory().get(LIST, REMOTE_ADDR=address)
        request.user = AnonymousUser()
        return AnonThrottle().allow_request(request, None)

    assert [allowed("198.51.100.7") for _ in range(3)] == [True, True, False]
    assert allowed("198.51.100.8")


def test_without_redis_the_api_answers_unthrottled(low_rates):
    from rest_framework.test import APIRequestFactory

    from shopee_cs.security.drf import UserThrottle

    low_rates.CACHES = {
        "default": {**low_rates.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}
    }
    request = APIRequestFactory().get(LIST)
    request.user = UserFactory()
    assert all(UserThrottle().allow_request(request, None) for _ in range(5))
