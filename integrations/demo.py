"""The demo world shared by the seed data and the simulator `make run` starts (plain data)."""

DEMO_PLATFORM = "shopee"  # the marketplace whose simulator the demo runs

# Demo app credentials for the simulator only; a real shop uses the app's own (see README).
DEMO_PARTNER_ID = "2001887"
DEMO_PARTNER_KEY = "shpk" + "6d" * 32

# Shop ids above 2**53, as real ones are: they must survive as strings end to end.
DEMO_SHOPS = [
    ("100000000000000001", "MY", "Lumi Home MY"),
    ("100000000000000002", "TH", "Lumi Home TH"),
    ("100000000000000003", "VN", "Lumi Home VN"),
    ("100000000000000004", "PH", "Lumi Home PH"),
    ("100000000000000005", "SG", "Lumi Home SG"),
    ("100000000000000006", "BR", "Lumi Home BR"),
    ("100000000000000007", "ID", "Lumi Home ID"),
    # Shopee offers no chat sending through the API on TW: the console shows the refusal.
    ("100000000000000008", "TW", "Lumi Home TW"),
]


def simulator_shops_spec() -> str:
    """The simulator's --shops value for the demo shops."""
    return ",".join(f"{shop_id}:{site}" for shop_id, site, _ in DEMO_SHOPS)
