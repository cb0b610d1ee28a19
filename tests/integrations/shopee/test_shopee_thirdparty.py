"""Cross-check against an independent third-party v2 client: pyshopee==1.4.0 (``pyshopee2``).

Its signer is separate code (``Client._api_sign`` / ``_api_short_sign``); we compare on random
inputs, then point the unmodified client at the simulator to show the simulator is not shaped
around our own client.
"""

from __future__ import annotations

import random
import string
import sys
import types

import pytest

from integrations.shopee import signing
from integrations.shopee.simulator import buyer_message


@pytest.fixture
def pyshopee2(monkeypatch):
    # pyshopee2.client imports selenium at module level for a browser-driven get_code() helper
    # that we never call; a stub module keeps the heavy, undeclared dependency out.
    selenium = types.ModuleType("selenium")
    selenium.webdriver = types.ModuleType("selenium.webdriver")
    monkeypatch.setitem(sys.modules, "selenium", selenium)
    monkeypatch.setitem(sys.modules, "selenium.webdriver", selenium.webdriver)
    return pytest.importorskip("pyshopee2")


def _rand(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def test_signer_matches_pyshopee_on_random_inputs(pyshopee2):
    rng = random.Random(20240601)
    for _ in range(300):
        partner_id = rng.randrange(1, 10**10)
        shop_id = rng.randrange(1, 2**63)
        key = rng.choice(["shpk", ""]) + _rand(rng, "0123456789abcdef", 64)
        token = _rand(rng, "0123456789abcdef", 32)
        path = (
            "/api/v2/"
            + _rand(rng, string.ascii_lowercase + "_", 8)
            + "/"
            + _rand(rng, string.ascii_lowercase + "_", 12)
        )
        ts = rng.randrange(1_500_000_000, 2_000_000_000)
        theirs = pyshopee2.Client(shop_id, partner_id, key, "https://r", access_token=token)
        assert signing.sign_shop(key, partner_id, path, ts, token, shop_id) == theirs._api_sign(
            path, ts
        )
        assert signing.sign_public(key, partner_id, path, ts) == theirs._api_short_sign(path, ts)


def test_pyshopee_client_works_unchanged_against_the_simulator(
    simulator, pyshopee2, tokens, capsys
):
    sim = simulator.sim
    cfg = sim.config
    c = pyshopee2.Client(
        100000001, cfg.partner_id, cfg.partner_key, "https://r", access_token=tokens["access_token"]
    )
    c.host = simulator.base_url  # its only configuration point for the base URL

    info = c.shop.get_shop_info()
    assert (info["error"], info["region"]) == ("", "MY")  # top level, as Shopee answers

    buyer_message(sim, shop_id="100000001", buyer_id=2**60 + 5, text="Where is my order?")
    convs = c.chat.get_conversation_list(direction="latest", type="all", page_size=10)
    assert convs["response"]["conversations"][0]["to_id"] == 2**60 + 5

    sent = c.chat.send_message(
        to_id=2**60 + 5, message_type="text", content={"text": "Shipped today"}
    )
    assert sent["error"] == "" and sent["response"]["message_id"]
    assert sim.snapshot_stats()["seller_messages_per_buyer"] == {str(2**60 + 5): 1}

    # pyshopee has no lost-push wrapper; its generic execute() signs push/* as public.
    lost = c.execute("push/get_lost_push_message", "GET", {})
    assert lost["response"]["push_message_list"][0]["code"] == 10
    capsys.readouterr()  # pyshopee prints every URL; keep test output clean
