"""Pushes are routed by platform through the adapter registry (/webhooks/<platform>/), both
under WSGI and from the ASGI server; the lost-push drain runs for each platform with shops."""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.testing import HttpCommunicator

from chat.models import InboundEvent
from chat.services.pipeline.inbound import inbound_event_process
from chat.tasks import lost_pushes_drain_task
from integrations.types import ChatMessagePush, PushEvent, PushKind
from tests.factories import ShopFactory

BODY = json.dumps({"shop": "42", "id": "m1", "conversation": "c1"}).encode()


def _asgi_post(path: str, body: bytes):
    from shopee_cs.asgi import application

    headers = [(b"host", b"127.0.0.1"), (b"content-type", b"application/json")]
    return async_to_sync(HttpCommunicator(application, "POST", path, body, headers).get_response)()


@pytest.mark.django_db
def test_a_push_for_a_platform_with_no_adapter_is_404_and_nothing_is_stored(client):
    response = client.post("/webhooks/nowhere/", data=BODY, content_type="application/json")
    assert response.status_code == 404
    assert response.content == b"No marketplace 'nowhere' is connected here: push refused."
    assert not InboundEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_asgi_server_refuses_it_the_same_way():
    response = _asgi_post("/webhooks/nowhere/", BODY)
    assert response["status"] == 404
    assert response["body"] == b"No marketplace 'nowhere' is connected here: push refused."
    assert not InboundEvent.objects.exists()


@pytest.mark.django_db
def test_a_registered_platform_s_push_is_read_by_its_own_adapter(client, fake_market):
    response = client.post(
        f"/webhooks/{fake_market.PLATFORM}/", data=BODY, content_type="application/json"
    )
    assert response.status_code == 200
    event = InboundEvent.objects.get()
    assert (event.platform, event.dedup_key) == (fake_market.PLATFORM, "testmarket:m1")


@pytest.mark.django_db(transaction=True)
def test_the_asgi_server_routes_a_registered_platform_too(fake_market):
    response = _asgi_post(f"/webhooks/{fake_market.PLATFORM}/", BODY)
    assert response["status"] == 200
    assert InboundEvent.objects.get().platform == fake_market.PLATFORM


@pytest.mark.django_db
def test_the_lost_push_drain_runs_for_each_platform_with_a_shop(fake_market):
    event = PushEvent(
        kind=PushKind.CHAT_MESSAGE,
        shop_id="42",
        dedup_key="testmarket:lost-1",
        occurred_at=None,
        payload=ChatMessagePush(conversation_id="c1"),
    )
    fake_market.FakeMarketAdapter.lost.append(event)
    assert lost_pushes_drain_task() == 0  # no shop of that marketplace here: not asked
    assert fake_market.FakeMarketAdapter.lost == [event]
    ShopFactory(platform=fake_market.PLATFORM, platform_shop_id="42")
    assert lost_pushes_drain_task() == 1
    stored = InboundEvent.objects.get()
    assert (stored.platform, stored.source) == (fake_market.PLATFORM, "lost_push")
    assert stored.payload["payload"] == {"conversation_id": "c1", "message": None}


@pytest.mark.django_db
def test_a_stored_push_whose_payload_does_not_fit_its_kind_is_parked_with_why():
    shop = ShopFactory()
    event = InboundEvent.objects.create(
        platform=shop.platform,
        dedup_key="x",
        kind=PushKind.ORDER_STATUS,
        shop_platform_id=shop.platform_shop_id,
        payload={"kind": "order_status", "shop_id": shop.platform_shop_id, "dedup_key": "x"},
    )
    inbound_event_process(event_id=event.pk)
    event.refresh_from_db()
    assert event.status == InboundEvent.Status.PARKED
    assert "carries NoneType, not OrderStatusPush or TrackingPush" in event.error
