import pytest


def test_liveness_answers_without_touching_services(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readiness_reports_postgres_redis_and_broker_healthy(client):
    response = client.get("/readyz?format=json")
    assert response.status_code == 200, response.content
    body = response.json()
    names = " ".join(body)
    assert "Database" in names and "Redis" in names and "CeleryBroker" in names
    assert all(value == "OK" for value in body.values()), body


@pytest.mark.django_db
def test_readiness_fails_when_redis_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz?format=json")
    assert response.status_code == 500
    failing = [name for name, value in response.json().items() if value != "OK"]
    assert any("Redis" in name for name in failing)


@pytest.mark.django_db
def test_admin_login_page_renders(client):
    # The admin's login hands over to the staff sign-in page (password, then the OTP step).
    response = client.get("/admin/login/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    assert response.status_code == 200
    assert b"shopee_cs" in response.content


@pytest.mark.django_db
def test_the_favicon_is_served_before_and_during_sign_in(client):
    from pathlib import Path

    from django.contrib.staticfiles import finders

    from tests.factories import UserFactory

    assert "<svg" in Path(finders.find("img/favicon.svg")).read_text(encoding="utf-8")
    for _ in ("anonymous", "password only, before 2FA"):
        response = client.get("/favicon.ico")
        assert response.status_code == 301 and response["Location"] == "/static/img/favicon.svg"
        client.force_login(UserFactory())
