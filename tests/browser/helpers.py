"""Steps the browser tests share."""

import time

from django_otp.oath import totp

from tests.factories import PASSWORD


def wait_for(predicate, what: str, timeout: float = 10.0, debug=None) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {debug() if debug else ''}")
        time.sleep(0.05)


def login(page, base_url, user, device, login_path: str = "/accounts/login/") -> None:
    """Password, then the TOTP code, then the console with its socket live."""
    page.goto(f"{base_url}{login_path}")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/accounts/2fa/verify/**")
    page.fill("input[name=code]", f"{totp(device.bin_key):06d}")
    page.click("main button[type=submit]")
    page.wait_for_url("**/console/")
    page.wait_for_selector("#conn[data-state=live]", timeout=5000)


def open_page(browser, **options):
    """A fresh browser context (1440 × 900 unless told) and a page in it, with the page's
    JavaScript errors collected: every test ends asserting there were none."""
    context = browser.new_context(**{"viewport": {"width": 1440, "height": 900}, **options})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors
