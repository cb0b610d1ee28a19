"""No file outside integrations/<vendor>/ names a vendor's fields, codes or hosts: what differs
per marketplace is reached through its adapter (policies, codes, pushes, connect, credentials).

Tests, benchmarks, docs and migrations are not scanned. The few names that must stay are in
ALLOWED, each with why.
"""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# Shopee's name (not the project's, shopee_cs), host, payload fields and status codes.
VENDOR_NAMES = re.compile(
    r"shopee(?![_-]?cs)|shopeemobile|order_sn|ordersn|return_sn|msg_id|shop_id_list"
    r"|from_shop_id|tracking_no\b|READY_TO_SHIP|TO_CONFIRM_RECEIVE|REFUND_PAID|SELLER_DISPUTE"
    r"|LOGISTICS_[A-Z]|NONRECEIPT|MUITAL_AGREE|seller cent(?:re|er)",
    re.IGNORECASE,
)

SCANNED = {
    "chat": "*.py",
    "shopee_cs": "*.py",
    "tickets": "*.py",
    "kpi": "*.py",
    "templates": "*.html",
    "static/js": "*.js",
    # The neutral side of the integrations layer.
    "integrations/types.py": "",
    "integrations/adapters.py": "",
    "integrations/codec.py": "",
    "integrations/selectors.py": "",
    "integrations/views.py": "",
    "integrations/urls.py": "",
    "integrations/services/connect.py": "",
    "integrations/services/credentials.py": "",
}
SKIPPED_DIRS = {"migrations", "tests", "bench", "docs", "__pycache__"}

# (file, text on the line; "" for the whole file) -> why it may name the vendor.
ALLOWED = {
    ("shopee_cs/settings/marketplaces.py", ""): (
        "the settings module declares the SHOPEE_* environment variables the Shopee adapter "
        "reads, and their defaults (the API host)"
    ),
    ("shopee_cs/settings/test.py", ""): "points the SHOPEE_* settings at the tests' simulator",
    ("integrations/adapters.py", '"shopee": "integrations.shopee.adapter:ShopeeAdapter"'): (
        "the registry is where each vendor's package is named"
    ),
    ("templates/base.html", "<span>shopee</span>_cs"): "the project's own name, as a logo",
    ("chat/services/inbox/demo.py", "shopee-demo-2026"): "the demo password the README gives",
}


def _files():
    for target, pattern in SCANNED.items():
        path = ROOT / target
        if not pattern:
            yield path
            continue
        for found in sorted(path.rglob(pattern)):
            if not SKIPPED_DIRS & set(found.relative_to(ROOT).parts):
                yield found


def vendor_names(path: Path) -> list[tuple[int, str]]:
    """The lines of `path` naming a vendor that ALLOWED does not excuse."""
    name = path.relative_to(ROOT).as_posix()
    if (name, "") in ALLOWED:
        return []
    excused = [text for (file, text) in ALLOWED if file == name]
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if VENDOR_NAMES.search(line) and not any(text in line for text in excused):
            found.append((number, line.strip()))
    return found


def test_no_vendor_names_outside_the_vendor_packages():
    files = list(_files())
    assert len(files) > 100  # the scan sees the project, not an empty folder
    leaks = {
        f"{path.relative_to(ROOT)}:{number}": line
        for path in files
        for number, line in vendor_names(path)
    }
    assert not leaks


def test_the_scan_finds_vendor_names_where_they_belong():
    for vendor_file in ("integrations/shopee/mapping.py", "integrations/shopee/rules.py"):
        assert vendor_names(ROOT / vendor_file), vendor_file


def test_every_allowance_is_still_needed():
    for file, text in ALLOWED:
        lines = (ROOT / file).read_text(encoding="utf-8").splitlines()
        hits = [line for line in lines if VENDOR_NAMES.search(line) and text in line]
        assert hits, (file, text)
