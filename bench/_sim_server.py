"""A seeded Shopee simulator in its own process (as the real API would be), for benchmarks.

    python bench/_sim_server.py PORT PARTNER_ID PARTNER_KEY SHOP_IDS CONVERSATIONS PER_CONVERSATION
SHOP_IDS is one id or several separated by commas; conversations are dealt round-robin over them.
Prints "ready <n messages>" once serving.
"""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the project, as in _rig

from integrations.shopee.simulator import SimConfig, SimShop, start_simulator


def main() -> None:
    port, partner_id, key, shop_ids, conversations, per = sys.argv[1:7]
    shops = shop_ids.split(",")
    config = SimConfig(
        partner_id=int(partner_id),
        partner_key=key,
        shops=[SimShop(shop_id, "MY", f"Bench {n}") for n, shop_id in enumerate(shops)],
        seed=3,
    )
    handle = start_simulator(config, port=int(port))
    sim = handle.sim
    count = 0
    with sim.lock:
        for n in range(int(conversations)):
            shop_id = shops[n % len(shops)]
            buyer = sim.add_buyer(shop_id, user_id=10_000 + n, username=f"buyer{n}", lang="en")
            conv = sim.conversation_for(shop_id, buyer["user_id"])
            for k in range(int(per)):
                sim.add_message(
                    conv, from_seller=k % 3 == 2, message_type="text", content={"text": f"m{k}"}
                )
                count += 1
    print(f"ready {count}", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
