"""Fixtures for the Shopee integration tests: an in-process simulator on loopback and clients
pointed at it. No Django database is used here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from integrations.shopee.adapter import ShopeeAdapter
from integrations.shopee.client import RetryPolicy, ShopeeClient
from integrations.shopee.simulator import SimConfig, SimShop, start_simulator

FIXTURES = Path(__file__).parent / "fixtures"
# The demo partner key from Shopee's auth guide (doc §2), used only as test input.
DOC_KEY = "57615053704d6470644f554a78656d50484143644964436a5568777544524579"
PARTNER_ID = 2001887
SHOPS = [
    SimShop("100000001", "MY", "Kedai MY", main_account_id="900001"),
    SimShop("100000002", "TH", "Shop TH", main_account_id="900001"),
    SimShop("100000003", "TW", "Shop TW"),
    SimShop("100000004", "BR", "Loja BR"),
]


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Override the suite-wide cache fixture: these tests touch no Django cache or settings, so
    they also run with ``-p no:django``."""
    yield


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def sim_config() -> SimConfig:
    return SimConfig(
        partner_id=PARTNER_ID,
        partner_key="shpk" + DOC_KEY,  # a Console-style key: used as is, prefix included
        shops=[SimShop(s.shop_id, s.region, s.name, s.main_account_id) for s in SHOPS],
        seed=7,
    )


@pytest.fixture
def simulator(sim_config):
    with start_simulator(sim_config) as handle:
        yield handle


class SleepRecorder:
    """Stands in for time.sleep so backoff is observable without waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def client(simulator, sleeps) -> ShopeeClient:
    cfg = simulator.sim.config
    return ShopeeClient(
        partner_id=cfg.partner_id,
        partner_key=cfg.partner_key,
        host=simulator.base_url,
        timeout=(2, 5),
        retry=RetryPolicy(max_attempts=4, base_delay=0.5, max_delay=8),
        sleep=sleeps,
    )


@pytest.fixture
def adapter(client) -> ShopeeAdapter:
    return ShopeeAdapter(
        partner_id=client.partner_id, partner_key=client.partner_key, client=client
    )


@pytest.fixture
def tokens(simulator):
    """Shop MY authorized through the simulator's normal code flow."""
    return simulator.sim.issue_tokens("100000001")


@pytest.fixture
def my_shop(tokens) -> dict:
    return {"shop_id": "100000001", "access_token": tokens["access_token"]}
