"""POST /webhooks/shopee/: verify, store once, acknowledge, process after commit."""

import json
import threading

import pytest
from django.db import connections
from django.test import Client

from chat.models import BuyerOrder, Conversation, InboundEvent, Message
from integrations.models import Shop
from integrations.shopee.simulator import buyer_message, cancel_authorization, place_order
from tests.chat.conftest import SHOP_ID, signed_post, take_pushes

pytestmark = pytest.mark.django_db


def test_a_signed_chat_push_is_acknowledged_empty_and_stored_as_a_message(
    client, settings, simulator, shop, django_capture_on_commit_callbacks
):
    sent = buyer_message(simulator.sim, shop_id=SHOP_ID, text="Where is my parcel?")
    [body] = take_pushes(simulator.sim)
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_post(client, settings, body)
    assert response.status_code == 200 and response.content == b""
    event = InboundEvent.objects.get()
    assert event.status == InboundEvent.Status.PROCESSED and event.raw_body == body.decode()
    message = Message.objects.get()
    assert message.platform_message_id == str(sent["message_id"])
    assert (message.sender_kind, message.text) == ("buyer", "Where is my parcel?")
    conversation = message.conversation
    assert conversation.awaiting_reply_since == message.platform_created_at
    assert conversation.unread_count == 1
    buyer = simulator.sim.buyers[sent["from_id"]]
    assert conversation.buyer_name == buyer["username"]  # named by the push


def test_a_bad_signature_is_refused_and_nothing_is_stored(client, settings, simulator, shop):
    buyer_message(simulator.sim, shop_id=SHOP_ID, text="hi")
    [body] = take_pushes(simulator.sim)
    response = signed_post(client, settings, body, signature="0" * 64)
    assert response.status_code == 401
    assert b"signature" in response.content
    assert not InboundEvent.objects.exists()


def test_a_missing_signature_is_refused(client, settings, simulator, shop):
    buyer_message(simulator.sim, shop_id=SHOP_ID, text="hi")
    [body] = take_pushes(simulator.sim)
    assert signed_post(client, settings, body, signature="").status_code == 401
    assert not InboundEvent.objects.exists()


def test_a_signature_over_another_url_is_refused(client, settings, simulator, shop):
    """The canonical URL is configured; a proxy-visible URL never verifies."""
    from integrations.shopee.push import push_signature

    buyer_message(simulator.sim, shop_id=SHOP_ID, text="hi")
    [body] = take_pushes(simulator.sim)
    forged = push_signature(
        "http://internal:8000/webhooks/shopee/", settings.SHOPEE_PARTNER_KEY, body
    )
    assert signed_post(client, settings, body, signature=forged).status_code == 401


def test_an_oversized_body_is_refused_before_reading(client, settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 1024
    body = json.dumps({"code": 10, "data": {"x": "y" * 2000}}).encode()
    response = signed_post(client, settings, body)
    assert response.status_code == 413
    assert not InboundEvent.objects.exists()


def test_without_a_configured_key_pushes_fail_closed(client, settings):
    body = b'{"code":3,"shop_id":1,"timestamp":1,"data":{}}'
    signature = "a" * 64
    settings.SHOPEE_PARTNER_KEY = ""
    settings.SHOPEE_PUSH_KEY = ""
    assert signed_post(client, settings, body, signature=signature).status_code == 503
    assert not InboundEvent.objects.exists()


def test_before_the_app_is_registered_pushes_fail_closed(client, settings):
    settings.SHOPEE_PARTNER_ID = ""  # a fresh install: no partner id, key or push key yet
    settings.SHOPEE_PARTNER_KEY = ""
    settings.SHOPEE_PUSH_KEY = ""
    body = b'{"code":3,"shop_id":1,"timestamp":1,"data":{}}'
    response = signed_post(client, settings, body, signature="a" * 64)
    assert (response.status_code, response.content) == (
        503,
        b"Push verification is not configured.",
    )
    assert not InboundEvent.objects.exists()


def test_an_authentic_push_that_does_not_parse_is_parked_not_dropped(client, settings):
    body = b"this is not json"
    response = signed_post(client, settings, body)
    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert event.status == InboundEvent.Status.PARKED
    assert "unparseable" in event.error and event.raw_body == "this is not json"


def test_an_unknown_push_code_is_parked_with_its_error(
    client, settings, django_capture_on_commit_callbacks
):
    body = b'{"code":999,"shop_id":1,"timestamp":1700000000,"data":{"a":1}}'
    with django_capture_on_commit_callbacks(execute=True):
        assert signed_post(client, settings, body).status_code == 200
    event = InboundEvent.objects.get()
    assert event.status == InboundEvent.Status.PARKED
    assert "no handler" in event.error


@pytest.mark.django_db(transaction=True)
def test_the_same_push_five_times_concurrently_gives_one_row_and_one_message(settings, simulator):
    from tests.chat.conftest import connect

    connect(simulator.sim)
    buyer_message(simulator.sim, shop_id=SHOP_ID, text="same push")
    [body] = take_pushes(simulator.sim)
    barrier = threading.Barrier(5)
    statuses = []

    def deliver():
        try:
            barrier.wait()
            statuses.append(signed_post(Client(), settings, body).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [200] * 5
    assert InboundEvent.objects.count() == 1
    assert Message.objects.count() == 1


def test_an_order_push_refreshes_the_cached_order(
    client, settings, simulator, shop, django_capture_on_commit_callbacks
):
    order = place_order(simulator.sim, shop_id=SHOP_ID)
    bodies = take_pushes(simulator.sim)
    with django_capture_on_commit_callbacks(execute=True):
        for body in bodies:
            assert signed_post(client, settings, body).status_code == 200
    cached = BuyerOrder.objects.get(order_ref=order["order_sn"])
    assert cached.status == order["order_status"]
    assert cached.items and cached.buyer_platform_id == str(order["buyer_user_id"])


def test_a_deauthorization_push_leaves_the_shop_needing_reauthorization(
    client, settings, simulator, shop, django_capture_on_commit_callbacks
):
    from chat.services.pipeline.reconcile import shops_due_for_reconcile
    from integrations.models import IntegrationAlert

    cancel_authorization(simulator.sim, shop_ids=[SHOP_ID])
    [body] = take_pushes(simulator.sim)
    with django_capture_on_commit_callbacks(execute=True):
        assert signed_post(client, settings, body).status_code == 200
    shop.refresh_from_db()
    assert shop.status == Shop.Status.NEEDS_REAUTH  # not "disabled", an admin's word
    assert "cancelled the authorization" in shop.status_reason
    [alert] = IntegrationAlert.objects.filter(shop=shop)
    assert alert.kind == IntegrationAlert.Kind.DEAUTHORIZED
    assert shop.pk not in shops_due_for_reconcile()


def test_a_push_for_an_unknown_shop_is_parked(
    client, settings, simulator, django_capture_on_commit_callbacks
):
    buyer_message(simulator.sim, shop_id=SHOP_ID, text="nobody connected me")
    [body] = take_pushes(simulator.sim)
    with django_capture_on_commit_callbacks(execute=True):
        assert signed_post(client, settings, body).status_code == 200
    event = InboundEvent.objects.get()
    assert event.status == InboundEvent.Status.PARKED and "unknown shop" in event.error
    assert not Conversation.objects.exists()


def test_a_transient_marketplace_error_rolls_back_counts_the_attempt_and_retries(
    settings, simulator, shop, django_capture_on_commit_callbacks
):
    from chat.services.pipeline import inbound

    order = place_order(simulator.sim, shop_id=SHOP_ID)
    [body, *_] = take_pushes(simulator.sim)
    with django_capture_on_commit_callbacks(execute=False):  # the task is run by hand below
        event, created = inbound.inbound_event_record(platform="shopee", raw_body=body)
    assert created
    simulator.sim.faults.script("order/get_order_detail", [500] * 20)
    with pytest.raises(inbound.Retry):
        inbound.inbound_event_process(event_id=event.pk)
    event.refresh_from_db()
    assert (event.status, event.attempts, event.processed_at) == ("pending", 1, None)
    assert not BuyerOrder.objects.exists()
    simulator.sim.faults.reset()
    inbound.inbound_event_process(event_id=event.pk)
    event.refresh_from_db()
    assert (event.status, event.attempts) == ("processed", 2)
    assert BuyerOrder.objects.get().order_ref == order["order_sn"]


def _chat_push(shop_id: str, conversation_id: str, message_id: str, text: str) -> bytes:
    content = {
        "message_id": message_id,
        "conversation_id": conversation_id,
        "from_id": 5001,
        "to_id": int(shop_id),
        "from_shop_id": 0,
        "to_shop_id": int(shop_id),
        "message_type": "text",
        "content": {"text": text},
        "created_timestamp": 1_790_000_000,
    }
    push = {"code": 10, "shop_id": int(shop_id), "timestamp": 1_790_000_000}
    push["data"] = {"type": "message", "content": content}
    return json.dumps(push).encode()


def test_a_push_joins_its_own_shops_conversation_never_another_shops_with_the_same_id(
    simulator, shop, django_capture_on_commit_callbacks
):
    from chat.services.pipeline import inbound
    from tests.chat.conftest import connect

    other = connect(simulator.sim, shop_id="100000000000000888", site="TH")
    same_id = "9100000000000000001"  # both shops' platform use this conversation id
    bodies = [
        _chat_push("100000000000000888", same_id, "9200000000000000001", "to the other shop"),
        _chat_push(SHOP_ID, same_id, "9200000000000000002", "first to this shop"),
        _chat_push(SHOP_ID, same_id, "9200000000000000003", "again to this shop"),
    ]
    with django_capture_on_commit_callbacks(execute=False):
        for body in bodies:
            event, _ = inbound.inbound_event_record(platform="shopee", raw_body=body, enqueue=False)
            inbound.inbound_event_process(event_id=event.pk)
    mine = Conversation.objects.get(shop=shop)
    theirs = Conversation.objects.get(shop=other)
    assert mine.platform_conversation_id == theirs.platform_conversation_id == same_id
    assert list(mine.messages.values_list("text", flat=True)) == [
        "first to this shop",
        "again to this shop",
    ]
    assert list(theirs.messages.values_list("text", flat=True)) == ["to the other shop"]
    assert (mine.unread_count, theirs.unread_count) == (2, 1)
    assert set(Message.objects.values_list("shop_id", "conversation_id")) == {
        (shop.pk, mine.pk),
        (other.pk, theirs.pk),
    }


def test_a_nul_character_in_a_pushed_message_is_stored_as_a_replacement_character(
    client, settings, simulator, shop, django_capture_on_commit_callbacks
):
    sent = buyer_message(simulator.sim, shop_id=SHOP_ID, text="order\u0000 #12?")
    [body] = take_pushes(simulator.sim)
    assert b"\\u0000" in body  # as Shopee's JSON carries it
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_post(client, settings, body)
    assert response.status_code == 200
    assert InboundEvent.objects.get().status == InboundEvent.Status.PROCESSED
    message = Message.objects.get()
    assert (message.platform_message_id, message.text) == (
        str(sent["message_id"]),
        "order\ufffd #12?",
    )


def test_a_raw_nul_byte_in_an_authentic_push_is_parked_not_refused(client, settings):
    body = b'{"code":10,"shop_id":1,"data":{"text":"a\x00b"}}'
    response = signed_post(client, settings, body)
    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert event.status == InboundEvent.Status.PARKED and "unparseable" in event.error
    assert event.raw_body == '{"code":10,"shop_id":1,"data":{"text":"a\ufffdb"}}'


def test_an_emoji_cut_in_half_is_stored_with_a_replacement_character(
    client, settings, simulator, shop, django_capture_on_commit_callbacks
):
    buyer_message(simulator.sim, shop_id=SHOP_ID, text="thanks CUT")
    [body] = take_pushes(simulator.sim)
    body = body.replace(b"CUT", b"\\ud83d")  # a high surrogate with no low one after it
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_post(client, settings, body)
    assert response.status_code == 200
    assert Message.objects.get().text == "thanks \ufffd"


def test_a_push_with_a_timestamp_beyond_any_date_is_parked_not_refused(
    client, settings, simulator, shop
):
    buyer_message(simulator.sim, shop_id=SHOP_ID, text="hello")
    [body] = take_pushes(simulator.sim)
    push = json.loads(body)
    push["data"]["content"]["created_timestamp"] = 10**20
    response = signed_post(client, settings, json.dumps(push).encode())
    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert event.status == InboundEvent.Status.PARKED and "OverflowError" in event.error
    assert not Message.objects.exists()


def test_a_deeply_nested_authentic_push_is_parked_not_refused(client, settings):
    body = b'{"code":10,"data":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert len(body) < settings.WEBHOOK_MAX_BODY_BYTES
    assert signed_post(client, settings, body).status_code == 200
    event = InboundEvent.objects.get()
    assert event.status == InboundEvent.Status.PARKED and "RecursionError" in event.error
