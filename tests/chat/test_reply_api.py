"""Sending through the REST API: delivery, Idempotency-Key, send-rule refusals, retry, mark read,
order refresh — against the in-process Shopee simulator."""

import pytest

from chat.models import BuyerOrder, BuyerReturn, Conversation, Message
from chat.services.messages import message_ingest
from integrations.shopee.mapping import message_from_shopee
from integrations.shopee.simulator import advance_order, buyer_message, place_order, request_return
from tests.chat.conftest import TW_SHOP_ID, connect
from tests.factories import AgentGroupFactory, UserFactory, login_verified

pytestmark = pytest.mark.django_db


def _conversation(simulator, shop) -> Conversation:
    sim_message = buyer_message(simulator.sim, shop_id=shop.platform_shop_id, text="In stock?")
    with simulator.sim.lock:
        public = simulator.sim.public_message(sim_message)
    message_ingest(shop=shop, message=message_from_shopee(public, shop_id=shop.platform_shop_id))
    return Conversation.objects.get(shop=shop)


@pytest.fixture
def agent(client, shop):
    user = UserFactory()
    AgentGroupFactory(shops=[shop], members=[user])
    login_verified(client, user)
    return user


def _send(client, conversation, text, key=None, **body):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        f"/api/v1/conversations/{conversation.pk}/messages/",
        {"text": text, **body},
        content_type="application/json",
        **headers,
    )


def test_reply_is_queued_then_reaches_the_marketplace(
    client, simulator, shop, agent, django_capture_on_commit_callbacks
):
    conversation = _conversation(simulator, shop)
    with django_capture_on_commit_callbacks(execute=True):
        response = _send(client, conversation, "Yes, ships today.")
    assert response.status_code == 201
    assert response.json()["status"] == "queued" and response.json()["direction"] == "out"
    message = Message.objects.get(pk=response.json()["id"])
    assert message.status == "sent" and message.sender_user == agent
    assert simulator.sim.snapshot_stats()["messages_sent_by_seller"] == 1


def test_same_idempotency_key_returns_the_first_message_and_a_different_body_is_409(
    client, simulator, shop, agent
):
    conversation = _conversation(simulator, shop)
    first = _send(client, conversation, "Yes.", key="k-1")
    again = _send(client, conversation, "Yes.", key="k-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    conflict = _send(client, conversation, "No.", key="k-1")
    assert conflict.status_code == 409 and "Idempotency-Key" in conflict.json()["detail"]
    assert Message.objects.filter(direction="out").count() == 1


def test_invalid_reply_is_400_and_stores_nothing(client, simulator, shop, agent):
    conversation = _conversation(simulator, shop)
    assert _send(client, conversation, "", kind="image").status_code == 400  # no payload
    assert _send(client, conversation, "x", kind="video").status_code == 400
    assert _send(client, conversation, "x", key="k" * 129).status_code == 400
    assert not Message.objects.filter(direction="out").exists()


def test_too_long_reply_is_201_failed_with_its_reason(client, simulator, shop, agent):
    conversation = _conversation(simulator, shop)
    response = _send(client, conversation, "x" * 601)
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "failed" and "601 characters" in body["failure_reason"]


def test_tw_reply_is_refused_and_retry_keeps_the_reason(client, simulator, agent):
    tw = connect(simulator.sim, TW_SHOP_ID, "TW")
    AgentGroupFactory(shops=[tw], members=[agent])
    conversation = _conversation(simulator, tw)
    failed = _send(client, conversation, "Hello").json()
    assert failed["status"] == "failed" and "TW" in failed["failure_reason"]
    assert failed["retryable"] is False  # resending it can never pass on TW
    retried = client.post(f"/api/v1/messages/{failed['id']}/retry/")
    assert retried.status_code == 409 and "cannot succeed" in retried.json()["detail"]
    kept = Message.objects.get(pk=failed["id"])
    assert (kept.status, kept.failure_code) == ("failed", "region_not_supported")


def test_a_repeat_refusal_can_be_retried_and_a_refused_retry_keeps_the_reason(
    client, simulator, shop, agent
):
    conversation = _conversation(simulator, shop)
    assert _send(client, conversation, "Ships today.").json()["status"] in ("queued", "sent")
    repeat = _send(client, conversation, "Ships today.").json()
    assert repeat["failure_code"] == "duplicate_text" and repeat["retryable"] is True
    retried = client.post(f"/api/v1/messages/{repeat['id']}/retry/")
    assert retried.status_code == 200
    assert retried.json()["status"] == "failed" and retried.json()["retryable"] is True


def test_retry_of_a_message_that_did_not_fail_is_409(client, simulator, shop, agent):
    conversation = _conversation(simulator, shop)
    inbound = Message.objects.get(conversation=conversation)
    assert client.post(f"/api/v1/messages/{inbound.pk}/retry/").status_code == 409


def test_retry_of_another_groups_message_is_404(client, simulator, shop):
    conversation = _conversation(simulator, shop)
    login_verified(client, UserFactory())  # in no group
    inbound = Message.objects.get(conversation=conversation)
    assert client.post(f"/api/v1/messages/{inbound.pk}/retry/").status_code == 404
    assert _send(client, conversation, "hi").status_code == 404


def test_mark_read_tells_the_marketplace(client, simulator, shop, agent):
    conversation = _conversation(simulator, shop)
    assert conversation.unread_count == 1
    body = client.post(f"/api/v1/conversations/{conversation.pk}/read/").json()
    assert body["platform_synced"] is True and body["conversation"]["unread_count"] == 0
    calls = simulator.sim.snapshot_stats()["calls"]
    assert any("read_conversation" in name for name in calls)


def test_orders_refresh_fetches_the_buyers_known_orders(client, simulator, shop, agent):
    conversation = _conversation(simulator, shop)
    order = place_order(
        simulator.sim, shop_id=shop.platform_shop_id, buyer_id=int(conversation.buyer_platform_id)
    )
    BuyerOrder.objects.create(
        shop=shop, order_ref=order["order_sn"], buyer_platform_id=conversation.buyer_platform_id
    )
    body = client.post(f"/api/v1/conversations/{conversation.pk}/orders/refresh/").json()
    assert body["refreshed"] == 1 and body["errors"] == []
    assert body["orders"][0]["order_ref"] == order["order_sn"]
    assert body["orders"][0]["status"] == "UNPAID" and body["orders"][0]["items"]
    assert body["orders"][0]["status_code"] == "unpaid"  # the neutral value beside the raw one


def test_orders_refresh_brings_the_return_with_the_buyers_own_words(client, simulator, shop, agent):
    conversation = _conversation(simulator, shop)
    order = place_order(
        simulator.sim, shop_id=shop.platform_shop_id, buyer_id=int(conversation.buyer_platform_id)
    )
    advance_order(simulator.sim, order_sn=order["order_sn"], status="SHIPPED")
    returned = request_return(simulator.sim, order_sn=order["order_sn"], text="Lid is cracked")
    BuyerOrder.objects.create(
        shop=shop, order_ref=order["order_sn"], buyer_platform_id=conversation.buyer_platform_id
    )
    BuyerReturn.objects.create(
        shop=shop, return_ref=returned["return_sn"], order_ref=order["order_sn"]
    )
    body = client.post(f"/api/v1/conversations/{conversation.pk}/orders/refresh/").json()
    [ret] = body["orders"][0]["returns"]
    assert (ret["reason"], ret["buyer_note"]) == ("DAMAGED_PRODUCT", "Lid is cracked")
    assert (ret["status_code"], ret["reason_code"]) == ("requested", "damaged")
