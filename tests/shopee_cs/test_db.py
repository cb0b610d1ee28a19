"""The shared database helpers against PostgreSQL: what they write and what they refuse."""

from datetime import timedelta

import pytest
from django.db import DatabaseError
from django.utils import timezone

from chat.models import Conversation, Message
from shopee_cs.db import insert_unless_exists, save_fields
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db


def test_save_fields_writes_only_the_named_fields_and_stamps_auto_now():
    conversation = ConversationFactory(buyer_name="before", last_message_preview="before")
    stamped = conversation.updated_at
    conversation.buyer_name = "after"
    conversation.last_message_preview = "not saved"
    save_fields(conversation, "buyer_name", "updated_at")
    stored = Conversation.objects.get(pk=conversation.pk)
    assert stored.buyer_name == "after"
    assert stored.last_message_preview == "before"
    assert stored.updated_at == conversation.updated_at > stamped


def test_save_fields_refuses_a_row_that_is_gone():
    conversation = ConversationFactory()
    Conversation.objects.filter(pk=conversation.pk).delete()
    conversation.buyer_name = "lost"
    with pytest.raises(DatabaseError, match="no row was updated"):
        save_fields(conversation, "buyer_name")


def test_insert_unless_exists_inserts_once_per_unique_key():
    conversation = ConversationFactory()
    at = timezone.now() - timedelta(minutes=1)

    def message(text):
        return Message(
            conversation=conversation,
            shop=conversation.shop,
            platform_message_id="9223372036854775807",  # above 2**53, kept as a string
            direction="in",
            sender_kind="buyer",
            text=text,
            platform_created_at=at,
        )

    first, second = message("first"), message("second")
    assert insert_unless_exists(first, conflict=("shop", "platform_message_id")) is True
    assert first.pk is not None and not first._state.adding
    assert insert_unless_exists(second, conflict=("shop", "platform_message_id")) is False
    assert second.pk is None
    stored = Message.objects.get(shop=conversation.shop, platform_message_id="9223372036854775807")
    assert (stored.pk, stored.text) == (first.pk, "first")


def test_get_with_related_loads_the_chain_as_select_related_does(django_assert_num_queries):
    from chat.models import OutboundDelivery
    from integrations.models import ShopToken
    from shopee_cs.db import get_with_related
    from tests.factories import MessageFactory

    message = MessageFactory(direction="out", sender_kind="agent", payload={"item_id": "7"})
    delivery = OutboundDelivery.objects.create(message=message)
    shop = message.conversation.shop
    path = "message__conversation__shop__token"
    expected = OutboundDelivery.objects.select_related(path).get(pk=delivery.pk)
    with django_assert_num_queries(1):
        loaded = get_with_related(OutboundDelivery, delivery.pk, path)
        assert loaded.message.payload == {"item_id": "7"}  # JSON converted, not text
        assert loaded.message.conversation.shop.platform_shop_id == shop.platform_shop_id
        assert loaded.message.conversation.created_at == expected.message.conversation.created_at
        assert loaded.status == expected.status and loaded.message.text == expected.message.text
    # No token row: the one-to-one is left unloaded, and Django's accessor reports it missing
    # (RelatedObjectDoesNotExist, which hasattr sees as an AttributeError).
    assert not ShopToken.objects.filter(shop=shop).exists()
    assert not hasattr(loaded.message.conversation.shop, "token")


def test_get_with_related_sets_both_sides_of_a_loaded_one_to_one(django_assert_num_queries):
    from chat.models import OutboundDelivery
    from integrations.models import ShopToken
    from shopee_cs.db import get_with_related
    from tests.factories import MessageFactory

    message = MessageFactory(direction="out", sender_kind="agent")
    shop = message.conversation.shop
    ShopToken.objects.create(
        shop=shop,
        access_token_encrypted="sealed-a",
        refresh_token_encrypted="sealed-r",
        access_expires_at=timezone.now(),
    )
    delivery = OutboundDelivery.objects.create(message=message)
    with django_assert_num_queries(1):
        loaded = get_with_related(
            OutboundDelivery, delivery.pk, "message__conversation__shop__token"
        )
        token = loaded.message.conversation.shop.token
        assert token.shop is loaded.message.conversation.shop
    assert token.access_token_encrypted == "sealed-a"


def test_get_with_related_raises_does_not_exist():
    from chat.models import OutboundDelivery
    from shopee_cs.db import get_with_related

    with pytest.raises(OutboundDelivery.DoesNotExist):
        get_with_related(OutboundDelivery, 10**12, "message__conversation")


def test_first_with_related_filters_across_the_join_and_locks_only_when_asked():
    from django.db import connection, transaction

    from shopee_cs.db import first_with_related

    mine = ConversationFactory(platform_conversation_id="555")
    ConversationFactory(platform_conversation_id="555")  # the same id in another shop
    where = "t1.platform_shop_id = %s AND t0.platform_conversation_id = %s"
    with transaction.atomic(), connection.cursor() as cursor:
        found = first_with_related(
            Conversation, "shop", where, [mine.shop.platform_shop_id, "555"], lock=True
        )
        assert found.pk == mine.pk and found.shop.pk == mine.shop.pk
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'relation' AND mode = 'RowShareLock'"
            " AND relation = 'chat_conversation'::regclass AND pid = pg_backend_pid()"
        )
        assert cursor.fetchone()[0] == 1
    assert first_with_related(Conversation, "shop", where, ["no such shop", "555"]) is None


@pytest.mark.django_db(transaction=True)
def test_a_connection_used_a_moment_ago_is_not_health_checked_again(monkeypatch):
    """The push threads' work: Django's health check (a SELECT 1) runs for a connection idle a
    while, not for one that finished work a moment ago."""
    from django.db import connections

    from shopee_cs import db

    connection = connections["default"]
    checks = []
    real = type(connection).is_usable
    monkeypatch.setattr(type(connection), "is_usable", lambda self: checks.append(1) or real(self))
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", True)
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    connection.close()

    def work():
        db.work_connections_start()
        try:
            Conversation.objects.exists()
        finally:
            db.work_connections_end()

    work()  # a new connection: nothing to check
    work()  # a moment later: trusted
    assert checks == []
    monkeypatch.setattr(db, "HEALTH_CHECK_AFTER_IDLE_SECONDS", 0.0)
    work()  # idle "long enough": checked before use
    assert checks == [1]
    connection.close()


def test_insert_rows_statement_sets_each_key_in_order_and_encodes_json():
    from chat.models import LiveEvent
    from shopee_cs.db import execute_together, insert_rows_statement

    shop = ConversationFactory().shop
    events = [
        LiveEvent(shop=shop, type=f"t{n}", payload={"n": n, "id": str(2**60)}) for n in range(3)
    ]
    execute_together(insert_rows_statement(events))
    stored = {e.pk: (e.type, e.payload) for e in LiveEvent.objects.filter(shop=shop)}
    assert [stored[e.pk] for e in events] == [
        (f"t{n}", {"n": n, "id": str(2**60)}) for n in range(3)
    ]
    assert all(not e._state.adding and e.created_at is not None for e in events)


@pytest.mark.django_db(transaction=True)
def test_first_with_related_skips_a_row_locked_elsewhere():
    import threading

    from django.db import connections, transaction

    from shopee_cs.db import first_with_related

    conversation = ConversationFactory()
    where, params = "t0.id = %s", [conversation.pk]
    locked, release, seen = threading.Event(), threading.Event(), {}

    def holder():
        with transaction.atomic():
            first_with_related(Conversation, "", where, params, lock=True)
            locked.set()
            release.wait(10)
        connections.close_all()

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert locked.wait(10)
        with transaction.atomic():
            seen["skipped"] = first_with_related(
                Conversation, "", where, params, lock=True, skip_locked=True
            )
    finally:
        release.set()
        thread.join(10)
    assert seen["skipped"] is None
    with transaction.atomic():
        assert first_with_related(Conversation, "", where, params, lock=True).pk == conversation.pk


def test_execute_together_runs_the_batch_in_one_query_and_reads_each_result(
    django_assert_num_queries,
):
    from chat.models import LiveEvent
    from shopee_cs.db import execute_together, insert_rows_statement, save_fields_statement

    conversation = ConversationFactory(buyer_name="before")
    conversation.buyer_name = "after"
    events = [LiveEvent(shop=conversation.shop, type="t", payload={"n": n}) for n in range(2)]
    with django_assert_num_queries(1):
        execute_together(
            save_fields_statement(conversation, "buyer_name"), insert_rows_statement(events)
        )
    assert Conversation.objects.get(pk=conversation.pk).buyer_name == "after"
    assert [e.pk for e in events] == sorted(
        LiveEvent.objects.filter(shop=conversation.shop).values_list("pk", flat=True)
    )


def test_a_failed_check_in_a_batch_rolls_the_whole_transaction_back():
    from django.db import transaction

    from chat.models import LiveEvent
    from shopee_cs.db import execute_together, insert_rows_statement, save_fields_statement

    conversation = ConversationFactory()
    gone = ConversationFactory(shop=conversation.shop)
    Conversation.objects.filter(pk=gone.pk).delete()
    events = [LiveEvent(shop=conversation.shop, type="t", payload={})]
    with pytest.raises(DatabaseError, match="no row was updated"), transaction.atomic():
        execute_together(save_fields_statement(gone, "buyer_name"), insert_rows_statement(events))
    assert not LiveEvent.objects.filter(shop=conversation.shop).exists()
