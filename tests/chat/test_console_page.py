"""The console page: where agents land, what it ships to the browser, and what it must not."""

import json

import pytest

from tests.factories import AgentGroupFactory, ShopFactory, UserFactory, login_verified

pytestmark = pytest.mark.django_db


def test_root_and_login_redirect_lead_to_the_console(client, settings):
    assert client.get("/")["Location"] == "/console/"
    assert settings.LOGIN_REDIRECT_URL == "/console/"


def test_unverified_session_is_sent_to_2fa_not_the_console(client):
    client.force_login(UserFactory())
    response = client.get("/console/")
    assert response.status_code == 302 and "/accounts/2fa/" in response["Location"]


def test_console_lists_only_the_agents_shops_and_local_assets(client):
    agent = UserFactory()
    own, foreign = ShopFactory(name="Own Shop"), ShopFactory(name="Foreign Shop")
    AgentGroupFactory(shops=[own], members=[agent])
    AgentGroupFactory(shops=[foreign])
    login_verified(client, agent)
    response = client.get("/console/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Own Shop" in html and "Foreign Shop" not in html
    config = json.loads(html.split('id="console-config" type="application/json">')[1].split("<")[0])
    assert set(config["shops"]) == {str(own.pk)} and config["maxLength"] == 600
    assert "/static/js/console.js" in html and "http" not in html.split("<script")[1].split(">")[0]
    assert "img-src 'self' data: https:" in response["Content-Security-Policy"]


def test_console_is_translated_into_chinese(client):
    login_verified(client, UserFactory())
    html = client.get("/zh-hans/console/").content.decode()
    assert "收件箱" in html and "已解决" in html


def test_swagger_ui_is_served_without_a_cdn(client):
    response = client.get("/api/docs/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "cdn" not in html.lower() and "drf_spectacular_sidecar" in html
    assert "cdn" not in response["Content-Security-Policy"].lower()
