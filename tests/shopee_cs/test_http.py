"""The outbound HTTP module: proxies from the environment, honoured per host."""

import pytest
import requests

from shopee_cs import http


class _Recording(requests.Session):
    def __init__(self):
        super().__init__()
        self.seen = []

    def request(self, method, url, **kwargs):
        self.seen.append((url, kwargs.get("proxies")))
        response = requests.Response()
        response.status_code = 200
        return response


@pytest.fixture
def recording(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp.invalid:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    http._proxies_for.cache_clear()
    session = _Recording()
    old = http.set_session(session)
    yield session
    http.set_session(old)
    http._proxies_for.cache_clear()


def test_the_environment_proxy_is_used_for_the_marketplace(recording):
    http.request("GET", "https://partner.shopeemobile.com/api/v2/shop/get_shop_info?x=1")
    assert recording.seen[0][1]["https"] == "http://proxy.corp.invalid:3128"


def test_no_proxy_hosts_are_reached_directly(recording):
    http.request("GET", "http://127.0.0.1:8000/healthz")
    assert recording.seen[0][1] == {}


def test_the_shared_session_does_not_read_the_environment_on_each_call():
    assert http._build_session().trust_env is False
