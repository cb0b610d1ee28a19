"""A language chosen with the switcher survives unprefixed links and the sign-in redirects."""

import pytest
from django.conf import settings
from django_otp.oath import totp

from tests.factories import PASSWORD, TOTPDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db


def _choose(client, language: str, next_url: str = "/accounts/login/"):
    return client.post("/i18n/setlang/", {"language": language, "next": next_url})


def test_choosing_chinese_on_the_login_page_lasts_through_2fa_into_the_console(client):
    user = UserFactory()
    device = TOTPDeviceFactory(user=user)
    switched = _choose(client, "zh-hans")
    assert switched["Location"] == "/zh-hans/accounts/login/"

    login = client.post(
        "/zh-hans/accounts/login/", {"username": user.username, "password": PASSWORD}
    )
    verify_url = login["Location"]
    assert verify_url.startswith("/zh-hans/accounts/2fa/verify/")
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits):06d}"
    done = client.post(verify_url, {"code": code})
    landing = client.get(done["Location"], follow=True)
    assert landing.request["PATH_INFO"] == "/zh-hans/console/"
    assert "收件箱" in landing.content.decode()
    assert client.get("/")["Location"] == "/console/"
    assert client.get("/console/?shop=3")["Location"] == "/zh-hans/console/?shop=3"


def test_the_switcher_on_a_chinese_page_switches_back_to_english(client):
    _choose(client, "zh-hans")
    page = client.get("/zh-hans/accounts/login/?next=/console/").content.decode()
    next_url = page.split('name="next" type="hidden" value="')[1].split('"')[0]
    assert next_url == "/accounts/login/?next=/console/"  # language-neutral
    back = _choose(client, "en", next_url.replace("&amp;", "&"))
    assert back["Location"] == "/accounts/login/?next=/console/"
    english = client.get(back["Location"])
    assert english.status_code == 200 and "Sign in" in english.content.decode()


def test_api_webhooks_and_posts_are_never_redirected(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/me/").status_code == 401  # the API answers, in JSON
    post = client.post("/accounts/login/", {"username": "nobody", "password": "x"})
    assert post.status_code == 200  # the form re-renders; a redirect would drop the POST


def test_an_unknown_language_cookie_is_ignored(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    assert client.get("/accounts/login/").status_code == 200


def test_a_chinese_page_sends_a_signed_out_visitor_to_the_chinese_sign_in(client):
    for page in ("/zh-hans/console/", "/zh-hans/admin/"):
        response = client.get(page, follow=True)
        assert response.request["PATH_INFO"] == "/zh-hans/accounts/login/"
        assert "登录" in response.content.decode()
    assert client.get("/console/")["Location"].startswith("/accounts/login/?next=")
