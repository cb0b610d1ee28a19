"""Retry and backoff behaviour against injected faults, and the unknown-outcome rule for sends
(Shopee's send_message has no idempotency key)."""

from __future__ import annotations

import socket

import pytest
import requests

from integrations import errors as e
from integrations.shopee.client import RetryPolicy, ShopeeClient
from integrations.shopee.simulator import buyer_message
from integrations.types import OutboundMessage, ShopAuth
from shopee_cs import http

BUYER = 2**55 + 3
SEND = "sellerchat/send_message"


@pytest.fixture
def auth(simulator, my_shop) -> ShopAuth:
    buyer_message(simulator.sim, shop_id="100000001", buyer_id=BUYER, text="Where is my order?")
    return ShopAuth(**my_shop)


def _send_text(client: ShopeeClient, auth: ShopAuth, text: str) -> dict:
    return client.send_message(
        shop_id=auth.shop_id,
        access_token=auth.access_token,
        to_id=BUYER,
        message_type="text",
        content={"text": text},
    )


def _msg(text: str) -> OutboundMessage:
    return OutboundMessage(shop_id="100000001", buyer_id=str(BUYER), text=text)


def test_5xx_5xx_429_then_success_is_retried_with_backoff(simulator, adapter, auth, sleeps):
    simulator.sim.faults.script(SEND, [500, 503, 429, 200])
    result = adapter.send_message(auth, _msg("Shipped yesterday"))
    assert result.platform_message_id
    assert simulator.sim.calls["/api/v2/" + SEND] == 4
    assert len(sleeps.delays) == 3
    # Full jitter within an exponential cap: attempt n waits at most base * 2**n.
    assert all(0 <= d <= 0.5 * 2**n for n, d in enumerate(sleeps.delays))
    # Refusals were never processed, so exactly one message reached the buyer.
    assert simulator.sim.snapshot_stats()["seller_messages_per_buyer"] == {str(BUYER): 1}


def test_retries_are_bounded(simulator, adapter, auth, sleeps):
    simulator.sim.faults.script(SEND, [500] * 10)
    with pytest.raises(e.ServerError) as info:
        adapter.send_message(auth, _msg("hello"))
    assert info.value.retryable and info.value.code == "error_server"
    assert simulator.sim.calls["/api/v2/" + SEND] == 4  # max_attempts
    assert len(sleeps.delays) == 3


def test_rate_limit_retry_after_is_a_floor(simulator, adapter, auth, sleeps):
    simulator.sim.faults.configure(retry_after=3)
    simulator.sim.faults.script(SEND, [429, 200])
    adapter.send_message(auth, _msg("hello"))
    assert sleeps.delays == [3.0]


def test_rate_limit_exhaustion_raises_rate_limited(simulator, adapter, auth):
    simulator.sim.faults.configure(rate_limit_pct=100)
    with pytest.raises(e.RateLimited) as info:
        adapter.send_message(auth, _msg("hello"))
    assert info.value.code == "error_rate_limit" and info.value.http_status == 429


def test_accept_then_drop_is_outcome_unknown_and_not_resent(simulator, adapter, auth, sleeps):
    simulator.sim.faults.script(SEND, ["drop"])
    with pytest.raises(e.NetworkError) as info:
        adapter.send_message(auth, _msg("Your refund is approved"))
    assert info.value.outcome_unknown is True
    assert sleeps.delays == []  # no blind resend
    # ...and the message really was delivered: the caller must reconcile, not resend.
    assert simulator.sim.snapshot_stats()["seller_messages_per_buyer"] == {str(BUYER): 1}
    page = adapter.get_messages(
        auth, conversation_id=simulator.sim.conversation_for("100000001", BUYER)["conversation_id"]
    )
    assert page.items[0].text == "Your refund is approved"


def test_read_timeout_on_send_is_outcome_unknown(simulator, client, auth, sleeps):
    client.timeout = (2, 0.3)
    simulator.sim.faults.configure(timeout_seconds=1.0)
    simulator.sim.faults.script(SEND, ["timeout"])
    with pytest.raises(e.NetworkError) as info:
        _send_text(client, auth, "hi")
    assert info.value.outcome_unknown is True
    assert simulator.sim.calls["/api/v2/" + SEND] == 1


def test_sends_give_up_at_the_send_timeout_while_reads_keep_the_general_one(
    simulator, client, auth, my_shop, sleeps
):
    client.timeout, client.send_timeout = (2, 1.5), (2, 0.2)
    simulator.sim.faults.configure(timeout_seconds=0.6)
    simulator.sim.faults.script(SEND, ["timeout"])
    simulator.sim.faults.script("shop/get_shop_info", ["timeout"])
    with pytest.raises(e.NetworkError) as info:
        _send_text(client, auth, "slow")
    assert info.value.outcome_unknown is True
    # The read waits out the same 0.6 s delay that the send gave up on.
    assert client.get_shop_info(**my_shop)["region"] == "MY"
    assert sleeps.delays == []


def test_idempotent_reads_are_retried_after_drop_and_timeout(simulator, client, my_shop, sleeps):
    client.timeout = (2, 0.3)
    simulator.sim.faults.configure(timeout_seconds=1.0)
    simulator.sim.faults.script("shop/get_shop_info", ["drop", "timeout", 200])
    assert client.get_shop_info(**my_shop)["region"] == "MY"
    assert len(sleeps.delays) == 2


def test_refresh_is_not_retried_after_unknown_outcome(simulator, adapter, tokens, sleeps):
    # A retried refresh would present a token Shopee may already have rotated.
    simulator.sim.faults.script("auth/access_token/get", ["drop"])
    with pytest.raises(e.NetworkError) as info:
        adapter.refresh_tokens(refresh_token=tokens["refresh_token"], shop_id="100000001")
    assert info.value.outcome_unknown
    with pytest.raises(e.RefreshTokenInvalid):  # the drop happened after rotation
        adapter.refresh_tokens(refresh_token=tokens["refresh_token"], shop_id="100000001")


def test_connection_refused_is_known_not_sent(sleeps):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    client = ShopeeClient(
        partner_id=1,
        partner_key="k",
        host=f"http://127.0.0.1:{port}",
        retry=RetryPolicy(max_attempts=2),
        sleep=sleeps,
    )
    with pytest.raises(e.NetworkError) as info:
        client.send_message(
            shop_id="1", access_token="t", to_id=1, message_type="text", content={"text": "x"}
        )
    assert info.value.outcome_unknown is False
    assert len(sleeps.delays) == 1  # safe to retry: the request never left


def test_all_calls_go_through_the_shared_session(simulator, client, my_shop):
    class CountingSession(requests.Session):
        def __init__(self):
            super().__init__()
            self.urls: list[str] = []

        def request(self, method, url, *args, **kwargs):
            self.urls.append(url)
            return super().request(method, url, *args, **kwargs)

    counting = CountingSession()
    old = http.set_session(counting)
    try:
        client.get_shop_info(**my_shop)
        client.get_unread_conversation_count(**my_shop)
    finally:
        http.set_session(old)
    assert [u.rsplit("/", 1)[-1] for u in counting.urls] == [
        "get_shop_info",
        "get_unread_conversation_count",
    ]


def test_default_timeout_applies(simulator, monkeypatch):
    seen = {}

    def fake_request(self, method, url, **kwargs):
        seen.update(kwargs)
        raise requests.ConnectTimeout("no network in this test")

    monkeypatch.setattr(requests.Session, "request", fake_request)
    with pytest.raises(requests.ConnectTimeout):
        http.request("GET", simulator.base_url)
    assert seen["timeout"] == http.DEFAULT_TIMEOUT


def test_a_shops_rate_limit_answers_error_rate_limit_without_touching_other_shops(
    simulator, sim_config
):
    simulator.sim.faults.configure(shop_rate_limit=3)
    calls = {}
    for shop_id in ("100000001", "100000002"):
        access = simulator.sim.issue_tokens(shop_id)["access_token"]
        client = ShopeeClient(
            partner_id=sim_config.partner_id,
            partner_key=sim_config.partner_key,
            host=simulator.base_url,
            retry=RetryPolicy(max_attempts=1),
        )
        outcomes = []
        for _ in range(5 if shop_id == "100000001" else 3):
            try:
                client.get_shop_info(shop_id=shop_id, access_token=access)
                outcomes.append("ok")
            except e.RateLimited as exc:
                outcomes.append(exc.code)
        calls[shop_id] = outcomes
    # A burst of one second's worth passes; the rest of the burst is refused, shop by shop.
    assert calls["100000001"][:3] == ["ok"] * 3
    assert "error_rate_limit" in calls["100000001"][3:]
    assert calls["100000002"] == ["ok"] * 3
