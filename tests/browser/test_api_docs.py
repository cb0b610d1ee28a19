"""Swagger UI (/api/docs/) in real headless Chromium shows, for every operation, every response
the schema documents, error responses included, and the reply body's kinds."""

import pytest

from tests.browser.conftest import ARTIFACTS
from tests.browser.helpers import login, open_page, wait_for
from tests.factories import AgentGroupFactory, ShopFactory, TOTPDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

REPLY = "/api/v1/conversations/{conversation_id}/messages/"


def test_swagger_ui_shows_every_documented_response(live_stack, browser):
    base_url, _ = live_stack
    agent = UserFactory()
    AgentGroupFactory(shops=[ShopFactory()], members=[agent])
    device = TOTPDeviceFactory(user=agent)
    context, page, errors = open_page(browser)
    login(page, base_url, agent, device)
    schema = page.request.get(f"{base_url}/api/schema/?format=json").json()
    page.goto(f"{base_url}/api/docs/")
    page.wait_for_selector(".opblock-summary")
    summaries = page.locator(".opblock-summary")
    count = summaries.count()
    assert count == sum(len(item) for item in schema["paths"].values()) == 33
    for i in range(count):
        summaries.nth(i).click()
    wait_for(
        lambda: page.locator(".opblock.is-open .responses-table").count() == count,
        "every operation open",
    )
    shown = page.eval_on_selector_all(
        ".opblock.is-open",
        """blocks => blocks.map(b => [
            b.querySelector('.opblock-summary-method').textContent.trim().toLowerCase(),
            b.querySelector('.opblock-summary-path').getAttribute('data-path'),
            [...b.querySelectorAll('.responses-table > tbody > tr.response')]
                .map(r => r.getAttribute('data-code')),
        ])""",
    )
    for method, path, codes in shown:
        documented = schema["paths"][path][method]["responses"]
        assert sorted(codes) == sorted(documented), (method, path)
        assert {"401", "403", "429"} <= set(codes), (method, path)
    reply = page.locator(
        ".opblock-post", has=page.locator(f'.opblock-summary-path[data-path="{REPLY}"]')
    )
    body = reply.locator(".opblock-section-request-body")
    body.locator("button", has_text="Schema").first.click()
    wait_for(lambda: "oneOf" in body.inner_text(), "the reply body's kinds", debug=body.inner_text)
    reply.screenshot(path=ARTIFACTS / "api-docs-reply.png")
    assert errors == []
    context.close()
