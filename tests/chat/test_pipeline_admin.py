"""The pipeline in the admin: parked inbound events seen and processed again on request, a push
that keeps failing in an unexpected way parked instead of retried for ever, and each shop's
sync state with a sync on request."""

import pytest
from django.contrib.auth.models import Permission
from django.db import DataError
from django.test import Client

from chat.models import InboundEvent, Message, ShopSyncState
from chat.services.pipeline import inbound
from integrations.shopee.simulator import buyer_message
from tests.chat.conftest import SHOP_ID, connect, signed_post, take_pushes
from tests.factories import UserFactory, login_verified

pytestmark = pytest.mark.django_db


def _parked_push_for_a_shop_not_yet_connected(client, settings, simulator, capture):
    buyer_message(simulator.sim, shop_id=SHOP_ID, text="anyone there?")
    [body] = take_pushes(simulator.sim)
    with capture(execute=True):
        assert signed_post(client, settings, body).status_code == 200
    event = InboundEvent.objects.get()
    assert event.status == InboundEvent.Status.PARKED and "unknown shop" in event.error
    return event


def _admin(user) -> Client:
    browser = Client()
    login_verified(browser, user)
    return browser


def _reprocess(browser: Client, event: InboundEvent):
    selected = {"action": "reprocess", "_selected_action": [event.pk]}
    return browser.post("/admin/chat/inboundevent/", selected, follow=True)


def test_parked_events_are_listed_and_shown_with_what_was_received(
    client, settings, simulator, django_capture_on_commit_callbacks
):
    event = _parked_push_for_a_shop_not_yet_connected(
        client, settings, simulator, django_capture_on_commit_callbacks
    )
    browser = _admin(UserFactory(is_superuser=True))
    listing = browser.get("/admin/chat/inboundevent/?status__exact=parked").content.decode()
    assert "push for unknown shop" in listing
    detail = browser.get(f"/admin/chat/inboundevent/{event.pk}/change/").content.decode()
    assert "anyone there?" in detail  # the raw body, as received
    assert 'name="_save"' not in detail  # read-only


def test_a_parked_push_is_processed_again_once_its_shop_is_connected(
    client, settings, simulator, django_capture_on_commit_callbacks
):
    event = _parked_push_for_a_shop_not_yet_connected(
        client, settings, simulator, django_capture_on_commit_callbacks
    )
    connect(simulator.sim)
    browser = _admin(UserFactory(is_superuser=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = _reprocess(browser, event)
    assert "1 event queued for processing." in response.content.decode()
    event.refresh_from_db()
    assert (event.status, event.error) == (InboundEvent.Status.PROCESSED, "")
    assert Message.objects.get().text == "anyone there?"


def test_an_unreadable_push_is_not_queued_and_the_admin_says_why(
    client, settings, django_capture_on_commit_callbacks
):
    signed_post(client, settings, b"not json")
    event = InboundEvent.objects.get()
    browser = _admin(UserFactory(is_superuser=True))
    response = _reprocess(browser, event)
    assert "1 event skipped: only a parked event that was read" in response.content.decode()
    event.refresh_from_db()
    assert event.status == InboundEvent.Status.PARKED


def test_viewing_the_log_does_not_allow_processing_again(
    client, settings, simulator, django_capture_on_commit_callbacks
):
    event = _parked_push_for_a_shop_not_yet_connected(
        client, settings, simulator, django_capture_on_commit_callbacks
    )
    viewer = UserFactory()
    viewer.user_permissions.add(Permission.objects.get(codename="view_inboundevent"))
    browser = _admin(viewer)
    listing = browser.get("/admin/chat/inboundevent/")
    assert listing.status_code == 200 and 'value="reprocess"' not in listing.content.decode()
    browser.post(
        "/admin/chat/inboundevent/", {"action": "reprocess", "_selected_action": [event.pk]}
    )
    event.refresh_from_db()
    assert event.status == InboundEvent.Status.PARKED


def test_a_push_failing_unexpectedly_is_parked_after_a_few_attempts(
    client, settings, simulator, shop, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(platform, push, fetched):
        raise DataError("value too long for type character varying(64)")

    monkeypatch.setitem(
        inbound.HANDLERS, inbound.types.PushKind.CHAT_MESSAGE, inbound.PushHandler(store=broken)
    )
    buyer_message(simulator.sim, shop_id=SHOP_ID, text="hello")
    [body] = take_pushes(simulator.sim)
    assert signed_post(client, settings, body).status_code == 200
    event = InboundEvent.objects.get()
    for attempt in range(1, inbound.MAX_UNEXPECTED_FAILURES + 1):
        with pytest.raises(DataError):
            inbound.inbound_event_process(event_id=event.pk)
        event.refresh_from_db()
        assert event.attempts == attempt
    assert event.status == InboundEvent.Status.PARKED
    assert "processing failed 5 times" in event.error and "value too long" in event.error
    assert inbound.inbound_events_pending_ids(older_than_seconds=0) == []  # no more sweeps


def test_shops_sync_states_are_listed_and_a_sync_can_be_queued(
    client, simulator, shop, django_capture_on_commit_callbacks
):
    buyer_message(simulator.sim, shop_id=SHOP_ID, text="pulled, not pushed")
    take_pushes(simulator.sim)  # the push is lost: only a sync brings the message
    ShopSyncState.objects.create(shop=shop, last_error="rate limited: error_rate_limit")
    browser = _admin(UserFactory(is_superuser=True))
    listing = browser.get("/admin/chat/shopsyncstate/").content.decode()
    assert "rate limited: error_rate_limit" in listing
    chinese = browser.get("/zh-hans/admin/chat/shopsyncstate/").content.decode()
    assert "店铺同步状态" in chinese and "上次运行时间" in chinese and "最近错误" in chinese
    state = ShopSyncState.objects.get(shop=shop)
    selected = {"action": "sync_now", "_selected_action": [state.pk]}
    response = browser.post("/admin/chat/shopsyncstate/", selected, follow=True)
    assert "1 shop queued for a sync." in response.content.decode()
    assert Message.objects.get().text == "pulled, not pushed"


def test_a_sync_asked_for_while_the_broker_is_down_says_so(client, shop, monkeypatch):
    from kombu.exceptions import OperationalError

    from chat.tasks import shop_reconcile_task

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(shop_reconcile_task, "delay", broker_down)
    state = ShopSyncState.objects.create(shop=shop)
    browser = _admin(UserFactory(is_superuser=True))
    selected = {"action": "sync_now", "_selected_action": [state.pk]}
    response = browser.post("/admin/chat/shopsyncstate/", selected, follow=True)
    assert response.status_code == 200
    assert "The task queue cannot be reached" in response.content.decode()
