"""Messages that are not text, in real headless Chromium: buyers' photos in the thread, shown at a
useful size in a bubble that hugs them, never wider than a phone's screen, the full picture a
click away; and the inbox naming what a conversation's last message was (a photo, a sticker, …)
in the page's language. Screenshots go to test-artifacts/ (looked at, never compared)."""

import base64

import pytest

from chat.models import Conversation, InboundEvent, Message
from integrations.shopee.simulator import buyer_message
from integrations.shopee.simulator.traffic import PHOTO
from tests.browser.conftest import ARTIFACTS, MY_SHOP
from tests.browser.helpers import login, open_page, wait_for
from tests.chat.conftest import connect
from tests.factories import AgentGroupFactory, TOTPDeviceFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

# 600 x 300 px: wider than the thread shows a photo.
PANORAMA = "data:image/svg+xml;base64," + base64.b64encode(
    b'<svg xmlns="http://www.w3.org/2000/svg" width="600" height="300">'
    b'<rect width="600" height="300" fill="#9ec5e8"/></svg>'
).decode("ascii")


def _photo(sim, url, buyer_id=7201, text=""):
    content = {"url": url, "thumb_url": url, "thumb_width": 160, "thumb_height": 120}
    if text:
        content["text"] = text
    return buyer_message(
        sim,
        shop_id=MY_SHOP,
        buyer_id=buyer_id,
        username="siti_photos",
        message_type="image",
        content=content,
    )


def _no_horizontal_overflow(page):
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate("document.body.scrollWidth") <= width


def test_buyer_photos_show_at_a_useful_size(live_stack, browser):
    base_url, handle = live_stack
    sim = handle.sim
    shop = connect(sim, MY_SHOP, "MY")
    agent = UserFactory(first_name="Mei", last_name="Lin")
    device = TOTPDeviceFactory(user=agent)
    AgentGroupFactory(shops=[shop], members=[agent])
    buyer_message(sim, shop_id=MY_SHOP, buyer_id=7201, username="siti_photos", text="Look:")
    _photo(sim, PHOTO)  # the simulator's own, as the demo sends it
    _photo(sim, PANORAMA, text="The whole shelf")
    _photo(sim, f"{base_url}/static/img/favicon.svg")  # a web address, like Shopee's CDN
    _photo(sim, f"{base_url}/static/img/gone.jpg")  # expired or removed
    sticker = {"sticker_package_id": "1001", "sticker_id": "4"}
    buyer_message(
        sim, shop_id=MY_SHOP, buyer_id=7202, username="ah_meng", message_type="sticker",
        content=sticker,
    )  # fmt: skip
    buyer_message(
        sim, shop_id=MY_SHOP, buyer_id=7203, username="dewi", message_type="video", content={}
    )
    wait_for(
        lambda: Message.objects.filter(kind__in=["image", "sticker", "video"]).count() == 6,
        "the photos, sticker and video",
        debug=lambda: list(InboundEvent.objects.values_list("status", "error")),
    )
    assert Conversation.objects.count() == 3

    context, page, errors = open_page(browser)
    login(page, base_url, agent, device)

    # The inbox says what the last message was, with its icon, never "[image]".
    page.wait_for_selector(".conv >> text=dewi")
    assert _previews(page) == {"siti_photos": "Image", "ah_meng": "Sticker", "dewi": "Video"}
    assert page.locator(".conv-preview.kind svg").count() == 3
    page.click(".conv >> text=dewi")
    assert page.text_content(".msg.in .bubble") == "Video"  # the thread too
    assert page.locator(".msg.in .bubble svg").count() == 1

    page.click(".conv >> text=siti_photos")
    page.wait_for_selector(".msg.in >> text=Look:")
    page.wait_for_selector(".photo-missing")
    photos = ".msg.in .bubble img"
    page.wait_for_function(
        f"[...document.querySelectorAll('{photos}')].every(i => i.complete && i.naturalWidth)"
    )
    assert page.locator(photos).count() == 3

    # The simulator's photo: a real size, its own proportions (4:3), the bubble around it.
    img = page.locator(photos).first.bounding_box()
    assert img["width"] >= 100, img
    assert abs(img["width"] / img["height"] - 4 / 3) < 0.02, img
    bubble = page.locator(".msg.in .bubble.photo").first.bounding_box()
    assert 0 <= bubble["width"] - img["width"] <= 10, (bubble, img)

    # A wide photo is brought down to 240 px wide, proportions kept, its caption below it.
    wide = page.locator(".msg.in", has_text="The whole shelf")
    box = wide.locator("img").bounding_box()
    assert (round(box["width"]), round(box["height"])) == (240, 120)
    assert wide.locator(".photo-text").text_content() == "The whole shelf"

    # A photo on the web opens in full in a new tab, without handing over this page.
    link = page.locator(".photo-link")
    assert link.count() == 1
    assert link.get_attribute("href") == f"{base_url}/static/img/favicon.svg"
    assert link.get_attribute("target") == "_blank"
    assert "noopener" in link.get_attribute("rel").split()
    assert page.locator(".photo-link img").bounding_box()["width"] >= 100
    # One that cannot be loaded says what it was.
    assert page.text_content(".photo-missing") == "Image"
    page.evaluate("document.getElementById('messages').scrollTop = 0")
    page.screenshot(path=ARTIFACTS / "console-1440-photos.png")

    # On a phone the photos fit; on a screen narrower than a photo, it narrows with its bubble,
    # proportions kept.
    page.set_viewport_size({"width": 390, "height": 844})
    bubble = wide.locator(".bubble").bounding_box()
    assert wide.locator("img").bounding_box()["width"] == 240
    assert bubble["x"] + bubble["width"] <= 390 - 12
    _no_horizontal_overflow(page)
    page.screenshot(path=ARTIFACTS / "console-390-photos.png")
    page.set_viewport_size({"width": 260, "height": 700})
    box = wide.locator("img").bounding_box()
    bubble = wide.locator(".bubble").bounding_box()
    assert 150 <= box["width"] < 240 and box["width"] <= bubble["width"], (box, bubble)
    assert bubble["x"] + bubble["width"] <= 260
    assert abs(box["width"] / box["height"] - 2) < 0.05, box

    # In Chinese, the same words in Chinese.
    page.set_viewport_size({"width": 1440, "height": 900})
    page.select_option("select[name=language]", "zh-hans")
    page.wait_for_selector("html[lang=zh-hans]")
    page.wait_for_selector(".conv >> text=ah_meng")
    previews = _previews(page)
    assert previews["siti_photos"] == "图片" and previews["ah_meng"] == "贴图", previews
    page.wait_for_selector(".photo-missing >> text=图片")
    page.screenshot(path=ARTIFACTS / "console-1440-zh-hans-previews.png")
    assert errors == []
    context.close()


def _previews(page):
    rows = page.eval_on_selector_all(
        ".conv",
        "rows => rows.map(r => [r.querySelector('.conv-buyer').textContent,"
        " r.querySelector('.conv-preview').textContent])",
    )
    return dict(rows)
