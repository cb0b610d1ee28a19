"""Websocket: origin, verified-OTP session and allowlist at the handshake; revocation closes."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.test import RequestFactory

from shopee_cs.asgi import application
from shopee_cs.models import AuditEvent
from shopee_cs.realtime import publish_now, shop_group
from shopee_cs.security.services import allowlist_entry_add
from tests.factories import AgentGroupFactory, ShopFactory, UserFactory, login_verified

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = b"http://127.0.0.1"


def _communicator(client, path="/ws/ping/", origin=ORIGIN, peer="127.0.0.1"):
    headers = []
    if origin is not None:
        headers.append((b"origin", origin))
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    if cookie is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie.value}".encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    communicator.scope["client"] = (peer, 50000)
    return communicator


async def _handshake(communicator):
    connected, code = await communicator.connect()
    if connected:
        await communicator.disconnect()
    return connected, code


def _refusal_reasons():
    return list(
        AuditEvent.objects.filter(action="websocket.refused").values_list("details__reason", "ip")
    )


def test_verified_session_connects_and_pings(client):
    user = UserFactory()
    login_verified(client, user)

    async def scenario():
        communicator = _communicator(client)
        connected, _ = await communicator.connect()
        assert connected
        await communicator.send_json_to({"type": "ping"})
        assert await communicator.receive_json_from() == {"type": "pong", "user_id": user.pk}
        await communicator.disconnect()

    async_to_sync(scenario)()


def test_password_only_session_is_refused_with_4403_and_audited(client):
    client.force_login(UserFactory())
    assert async_to_sync(_handshake)(_communicator(client)) == (False, 4403)
    assert _refusal_reasons() == [("otp_required", "127.0.0.1")]


def test_anonymous_is_refused(client):
    assert async_to_sync(_handshake)(_communicator(client)) == (False, 4403)
    assert _refusal_reasons() == [("unauthenticated", "127.0.0.1")]


@pytest.mark.parametrize("origin", [b"https://evil.example", None])
def test_foreign_or_missing_origin_is_refused(client, origin):
    login_verified(client, UserFactory())
    connected, _ = async_to_sync(_handshake)(_communicator(client, origin=origin))
    assert not connected
    assert _refusal_reasons() == [("origin", "127.0.0.1")]


def test_ip_outside_the_allowlist_is_refused_even_with_spoofed_forwarded_for(client):
    allowlist_entry_add(cidr="198.51.100.0/24")
    login_verified(client, UserFactory())
    communicator = _communicator(client, peer="203.0.113.9")
    communicator.scope["headers"].append((b"x-forwarded-for", b"198.51.100.7"))
    assert async_to_sync(_handshake)(communicator) == (False, 4403)
    assert _refusal_reasons() == [("ip_not_allowed", "203.0.113.9")]


def test_logout_closes_open_sockets(client):
    user = UserFactory()
    login_verified(client, user)

    async def scenario():
        communicator = _communicator(client)
        assert (await communicator.connect())[0]
        request = RequestFactory().post("/accounts/logout/")
        await sync_to_async(user_logged_out.send)(sender=type(user), request=request, user=user)
        closed = await communicator.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": 4401}
        await communicator.disconnect()

    async_to_sync(scenario)()


def test_agent_never_receives_another_teams_shop_events(client):
    agent = UserFactory()
    own, foreign = ShopFactory(), ShopFactory()
    AgentGroupFactory(shops=[own], members=[agent])
    AgentGroupFactory(shops=[foreign])
    login_verified(client, agent)

    async def scenario():
        communicator = _communicator(client, path="/ws/agent/")
        assert (await communicator.connect())[0]
        # The agent socket greets with the countdown snapshot and the agent's own presence.
        greeting = [await communicator.receive_json_from(timeout=5) for _ in range(2)]
        assert [e["type"] for e in greeting] == [
            "chat.first_response_countdown",
            "chat.agent_presence",
        ]
        foreign_event = {"type": "chat.message_created", "message": {"shop_id": foreign.pk}}
        own_event = {"type": "chat.message_created", "message": {"shop_id": own.pk, "id": 7}}
        await sync_to_async(publish_now)(shop_group(foreign.pk), foreign_event)
        # Mis-addressed: B's event sent to A's group is dropped by the consumer's re-check.
        await sync_to_async(publish_now)(shop_group(own.pk), foreign_event)
        await sync_to_async(publish_now)(shop_group(own.pk), own_event)
        # Events arrive in order: the first thing received must be A's own event.
        assert await communicator.receive_json_from(timeout=5) == own_event
        assert await communicator.receive_nothing()
        await communicator.disconnect()

    async_to_sync(scenario)()
