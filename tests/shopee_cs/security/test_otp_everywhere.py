"""A password-only session (no OTP) is refused by every surface; a verified one is not."""

import re

import pytest

from shopee_cs.models import AuditEvent
from tests.factories import UserFactory, login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def password_only(client):
    user = UserFactory(is_superuser=True)
    client.force_login(user)
    return client, user


def test_pages_and_admin_redirect_to_the_otp_step(password_only):
    client, _ = password_only
    for path in ["/admin/", "/admin/shopee_cs/auditevent/", "/"]:
        response = client.get(path, follow=True)
        assert response.redirect_chain[-1][0].startswith("/accounts/2fa/setup/"), path


def test_admin_site_itself_requires_a_verified_device(password_only, rf):
    from django.contrib import admin

    _, user = password_only
    request = rf.get("/admin/")
    request.user = user
    user.is_verified = lambda: False
    assert not admin.site.has_permission(request)


def test_api_refuses_a_password_only_session_and_audits_it(password_only):
    client, user = password_only
    response = client.get("/api/v1/me/", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 403
    event = AuditEvent.objects.get(action="otp.required_refused")
    assert (event.actor, event.ip) == (user, "127.0.0.1")


def test_verified_session_reaches_admin_and_api(client):
    user = UserFactory(is_superuser=True)
    login_verified(client, user)
    assert client.get("/admin/").status_code == 200
    me = client.get("/api/v1/me/")
    assert me.status_code == 200 and me.json()["auth"] == "session"


def test_anonymous_admin_goes_to_the_staff_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert follow.status_code == 302 and follow["Location"].startswith("/accounts/login/")


def test_login_page_sends_security_headers(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp


def test_staff_pages_are_translated_to_simplified_chinese(client):
    assert "登录".encode() in client.get("/zh-hans/accounts/login/").content
    client.force_login(UserFactory())
    setup = client.get("/zh-hans/accounts/2fa/setup/")  # reachable before OTP, in Chinese too
    assert setup.status_code == 200 and "设置两步验证".encode() in setup.content


def test_admin_sections_and_models_have_readable_names(client):
    login_verified(client, UserFactory(is_superuser=True))
    html = client.get("/admin/").content.decode()
    for name in [
        "Accounts and security",
        "Marketplaces",
        "Two-factor: authenticator apps",
        "Two-factor: backup codes",
        "Sign-in lockouts",
        "API keys",
        "Agent groups",
        "Integration alerts",
    ]:
        assert name in html
    assert not re.search(r">\s*(otp_totp|otp_static|axes|shopee_cs core)\s*<", html, re.IGNORECASE)


def test_the_admin_speaks_chinese_under_zh_hans(client):
    login_verified(client, UserFactory(is_superuser=True))
    html = client.get("/zh-hans/admin/").content.decode()
    for name in ["账户与安全", "电商平台", "两步验证：身份验证器应用", "登录锁定", "API 密钥"]:
        assert name in html
    assert "API 密钥s" not in html and "Marketplaces" not in html
    assert ">修改</a>" in html and ">切换</a>" not in html  # Django's "Change" link, not ours
    from tests.factories import ShopFactory

    shop = ShopFactory(capabilities={"chat_read": True, "chat_write": True, "order_read": True})
    shops = client.get("/zh-hans/admin/integrations/shop/").content.decode()
    for header in ["平台店铺 ID", "站点", "状态", "接口能力", "读取聊天"]:
        assert header in shops
    page = client.get(f"/zh-hans/admin/integrations/shop/{shop.pk}/change/").content.decode()
    assert 'name="capabilities"' not in page and "读取订单" in page  # words, not editable JSON
    assert "登录记录" in html  # django-axes' access logs
    for model in ("身份验证器应用", "备用码组"):  # django-otp's devices, as rows of the index
        assert re.search(rf">\s*{model}\s*</a>", html)
    assert "TOTP devices" not in html and "Static devices" not in html
    assert not re.search(r">\s*(Platform|Site|Status|Name)\s*<", shops)  # no English header


def test_an_agent_sees_no_shops_or_groups_in_the_admin_a_supervisor_does(client):
    from tests.factories import AgentGroupFactory, ShopFactory

    AgentGroupFactory(shops=[ShopFactory(name="Another team's shop")])
    login_verified(client, UserFactory(roles=["Agent"]))
    refused = client.get("/admin/", follow=True)
    assert refused.status_code == 403 and b"no access to the admin" in refused.content
    assert client.get("/admin/integrations/shop/", follow=True).status_code == 403
    assert client.get("/admin/chat/agentgroup/", follow=True).status_code == 403
    client.logout()
    login_verified(client, UserFactory(roles=["Supervisor"]))
    assert client.get("/admin/integrations/shop/").status_code == 200
    # Supervisors manage reply templates.
    assert client.get("/admin/automation/replytemplate/add/").status_code == 200
