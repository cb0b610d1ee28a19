"""The simulator's shop performance (chat response rate, response time) computed from its own
chat history with the marketplace's rule (docs/metrics-marketplace.md), and the adapter's
reading of it."""

from datetime import timedelta

import pytest

from integrations.shopee.mapping import shop_performance_from_shopee
from integrations.shopee.simulator import buyer_message, performance
from integrations.shopee.simulator.api import ROUTES, shop_performance
from integrations.types import ShopAuth
from tests.integrations.shopee.test_shopee_simulator_shapes import SHOP

H = 3600
NOW = 1_800_000_000.0


def _msg(hours_before_now: float, *, seller: bool = False, auto: bool = False) -> dict:
    return {
        "_ns": int((NOW - hours_before_now * H) * 1e9),
        "from_shop_id": 1 if seller else 0,
        "status": "auto_reply" if auto else "normal",
    }


def _conv(cid: str, *msgs: dict) -> dict:
    return {"conversation_id": cid, "messages": list(msgs)}


# Hours before "now" of each message. Chats in the 90-day window, oldest first:
#   A1 -100 answered -99 (1 h, in time)      B  -90 auto-reply only (not answered)
#   C  -80 answered -60 (20 h: late)         A2 -50 answered -49 (1 h, in time)
#   D  -40 never answered                    E  -30 (+ -29 same chat) answered -28 (2 h)
#   F  -20 answered -19 (1 h)
# Left out: G opened 5 h ago, unanswered (not late yet); H opened 92 days ago.
HISTORY = [
    _conv("A", _msg(100), _msg(99, seller=True), _msg(50), _msg(49, seller=True)),
    _conv("B", _msg(90), _msg(89.9, seller=True, auto=True)),
    _conv("C", _msg(80), _msg(60, seller=True)),
    _conv("D", _msg(40)),
    _conv("E", _msg(30), _msg(29), _msg(28, seller=True)),
    _conv("F", _msg(20), _msg(19, seller=True)),
    _conv("G", _msg(5)),
    _conv("H", _msg(92 * 24), _msg(92 * 24 - 1, seller=True)),
]
TARGETS = {"response_rate": 70.0, "response_time": 86400.0}


def _metric(body: dict, metric_id: int) -> dict:
    return next(m for m in body["metric_list"] if m["metric_id"] == metric_id)


def test_rate_is_half_all_chats_half_latest_quarter():
    body = performance.shop_performance(HISTORY, NOW, TARGETS)
    rate = _metric(body, 11)
    # 7 chats, 4 in time (A1, A2, E, F): 4/7. Latest 25 % = ceil(7/4) = 2 chats (E, F): 2/2.
    # 0.5 * 4/7 + 0.5 * 1 = 0.785714... -> 78.57 %
    assert rate["current_period"] == 78.57
    assert rate["unit"] == 2 and rate["target"] == {"value": 70.0, "comparator": ">="}
    # A day earlier F did not exist and D was 16 h old: 6 chats, 3 in time (A1, A2, E);
    # latest 2 = D, E: 1/2. 0.5 * 3/6 + 0.5 * 1/2 = 50 %.
    assert rate["last_period"] == 50.0


def test_response_time_is_the_mean_wait_to_the_first_human_reply():
    body = performance.shop_performance(HISTORY, NOW, TARGETS)
    # answered chats: A1 1 h, C 20 h, A2 1 h, E 2 h, F 1 h -> 25 h / 5 = 5 h
    assert _metric(body, 21)["current_period"] == 5 * H
    assert _metric(body, 21)["unit"] == 3
    # B (auto-reply only), C (late), D (unanswered)
    assert _metric(body, 23)["current_period"] == 3


def test_fewer_than_two_chats_shows_the_default():
    body = performance.shop_performance([_conv("F", _msg(20), _msg(19, seller=True))], NOW, TARGETS)
    assert _metric(body, 11)["current_period"] == 57.0


def test_mapping_reads_percent_and_time_units():
    body = performance.shop_performance(HISTORY, NOW, TARGETS)
    _metric(body, 21).update(current_period=5 / 24, unit=4, target={"value": 1, "comparator": "<="})
    from datetime import UTC, datetime

    now = datetime.fromtimestamp(NOW, tz=UTC)
    perf = shop_performance_from_shopee(body, shop_id="7", now=now)
    assert perf.chat_response_rate == pytest.approx(0.7857)
    assert perf.response_rate_target == pytest.approx(0.70)
    assert perf.response_time_seconds == pytest.approx(5 * H)  # 5/24 day
    assert perf.response_time_target_seconds == 86400
    assert perf.non_responded_chats == 3
    assert perf.period_end - perf.period_start == timedelta(days=90)
    assert perf.raw is body


def test_mapping_of_an_empty_answer_reports_nothing_rather_than_zero():
    from datetime import UTC, datetime

    perf = shop_performance_from_shopee(
        {"metric_list": [{"metric_id": "x"}]}, shop_id="7", now=datetime.now(UTC)
    )
    assert perf.chat_response_rate is None and perf.response_time_seconds is None


def test_route_registered():
    assert ROUTES["/api/v2/account_health/get_shop_performance"] == ("GET", False, shop_performance)


def test_adapter_reads_the_simulators_figure_from_its_own_chats(simulator, adapter):
    """Through the signed client: two buyers, one answered by a human within the hour, one only
    by an auto-reply -> 0.5 * 1/2 + 0.5 * (latest ceil(2/4)=1 chat: the auto-only one) 0 = 25 %."""
    sim = simulator.sim
    sim.advance_clock(-20 * H)
    one, two = (sim.add_buyer(SHOP)["user_id"] for _ in range(2))
    first = buyer_message(sim, shop_id=SHOP, buyer_id=one, text="is it in stock?")
    sim.advance_clock(H)
    conv = sim.conv_by_id[first["conversation_id"]]
    sim.add_message(conv, from_seller=True, message_type="text", content={"text": "yes"})
    sim.advance_clock(H)
    second = buyer_message(sim, shop_id=SHOP, buyer_id=two, text="hello?")
    other = sim.conv_by_id[second["conversation_id"]]
    sim.add_message(
        other, from_seller=True, message_type="text", content={"text": "away"}, status="auto_reply"
    )
    sim.advance_clock(18 * H)  # back to the real clock
    tokens = sim.issue_tokens(SHOP)
    perf = adapter.get_shop_performance(ShopAuth(shop_id=SHOP, access_token=tokens["access_token"]))
    assert perf.chat_response_rate == pytest.approx(0.25)
    assert perf.response_time_seconds == pytest.approx(H, abs=1)
    assert perf.non_responded_chats == 1
    assert perf.shop_id == SHOP
