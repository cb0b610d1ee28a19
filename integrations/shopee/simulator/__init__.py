"""A runnable fake Shopee Open Platform with its own in-memory state.

In-process (tests)::

    with start_simulator(SimConfig(partner_id=..., partner_key=...)) as sim:
        client = ShopeeClient(partner_id=..., partner_key=..., host=sim.base_url)
        sim.sim.faults.script("sellerchat/send_message", [500, 429, 200])

CLI: ``manage.py shopee_simulator --port 8600``.
"""

from integrations.shopee.simulator.core import ERRORS, SimConfig, SimError, SimShop, Simulator
from integrations.shopee.simulator.server import (
    SimulatorHandle,
    parse_shops,
    serve,
    start_simulator,
)
from integrations.shopee.simulator.traffic import (
    TrafficGenerator,
    advance_order,
    advance_return,
    apply_event,
    authorization_push,
    buyer_message,
    cancel_authorization,
    place_order,
    rate_item,
    request_return,
    run_scenario,
)

__all__ = [
    "ERRORS",
    "SimConfig",
    "SimError",
    "SimShop",
    "Simulator",
    "SimulatorHandle",
    "TrafficGenerator",
    "advance_order",
    "advance_return",
    "apply_event",
    "authorization_push",
    "buyer_message",
    "cancel_authorization",
    "parse_shops",
    "place_order",
    "rate_item",
    "request_return",
    "run_scenario",
    "serve",
    "start_simulator",
]
