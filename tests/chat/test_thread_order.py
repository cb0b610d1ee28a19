"""The thread reads in the marketplace's order, whatever order its messages arrived in: by the
marketplace's time, then ours (the only time of a message it has not acknowledged), then id."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chat.models import Message
from chat.selectors import message_page_for_conversation
from integrations.shopee.simulator import buyer_message
from tests.chat.conftest import SHOP_ID, signed_post, take_pushes
from tests.factories import (
    AgentGroupFactory,
    ConversationFactory,
    MessageFactory,
    UserFactory,
    login_verified,
)

pytestmark = pytest.mark.django_db

DETAIL = "/api/v1/conversations/{}/"


@pytest.fixture
def agent(shop):
    user = UserFactory()
    AgentGroupFactory(shops=[shop], members=[user])
    return user


def _texts(rows) -> list[str]:
    return [row["text"] for row in rows]


def test_messages_pushed_in_reverse_order_read_in_the_marketplaces_order(
    client, settings, simulator, shop, agent, django_capture_on_commit_callbacks
):
    sim = simulator.sim
    buyer_message(sim, shop_id=SHOP_ID, buyer_id=7001, text="Is the blue one in stock?")
    sim.advance_clock(40)  # the buyer writes again 40 s later...
    buyer_message(sim, shop_id=SHOP_ID, buyer_id=7001, text="And does it ship today?")
    sim.advance_clock(-40)
    earlier, later = take_pushes(sim)
    for body in (later, earlier):  # ...and the pushes arrive the other way round
        with django_capture_on_commit_callbacks(execute=True):
            assert signed_post(client, settings, body).status_code == 200
    first_stored = Message.objects.order_by("id").first()
    assert first_stored.text == "And does it ship today?"
    login_verified(client, agent)
    body = client.get(DETAIL.format(first_stored.conversation_id)).json()
    assert _texts(body["messages"]) == ["Is the blue one in stock?", "And does it ship today?"]


def _stored_at(message: Message, at) -> Message:
    Message.objects.filter(pk=message.pk).update(created_at=at)
    message.refresh_from_db()
    return message


def test_keyset_pages_follow_the_marketplaces_time_then_ours_then_the_id(client, agent, shop):
    conversation = ConversationFactory(shop=shop)
    t0 = timezone.now() - timedelta(hours=1)

    def stored(text, platform_at, created_at, **fields):
        row = MessageFactory(
            conversation=conversation, text=text, platform_created_at=platform_at, **fields
        )
        return _stored_at(row, created_at)

    # Stored in this order (ids ascending), written at the marketplace in another.
    stored("late", t0 + timedelta(minutes=3), t0 + timedelta(minutes=3, seconds=1))
    stored("early", t0, t0 + timedelta(minutes=4))
    # The same second at the marketplace (its timestamps are whole seconds): ours decides.
    stored("same second, pulled later", t0 + timedelta(minutes=1), t0 + timedelta(minutes=6))
    stored("same second, pushed first", t0 + timedelta(minutes=1), t0 + timedelta(minutes=5))
    # The same second and stored by the same statement: the id decides.
    stored("tie, first id", t0 + timedelta(minutes=2), t0 + timedelta(minutes=7))
    stored("tie, second id", t0 + timedelta(minutes=2), t0 + timedelta(minutes=7))
    # Our own reply, not acknowledged yet: no marketplace time, so ours places it.
    stored(
        "our queued reply",
        None,
        t0 + timedelta(minutes=3, seconds=30),
        direction="out",
        sender_kind="agent",
        status="queued",
        platform_message_id=None,
    )
    expected = [
        "early",
        "same second, pushed first",
        "same second, pulled later",
        "tie, first id",
        "tie, second id",
        "late",
        "our queued reply",
    ]
    login_verified(client, agent)
    body = client.get(f"{DETAIL.format(conversation.pk)}?page_size=2").json()
    pages = [_texts(body["messages"])]
    cursor = body["older_cursor"]
    while cursor:
        older = client.get(
            f"{DETAIL.format(conversation.pk)}messages/?page_size=2&before={cursor}"
        ).json()
        pages.insert(0, _texts(older["results"]))
        cursor = older["older_cursor"]
    assert pages == [["early"], expected[1:3], expected[3:5], expected[5:]]


def test_a_cursor_that_is_not_the_threads_is_refused(client, agent, shop):
    conversation = ConversationFactory(shop=shop, last_message_at=timezone.now())
    ConversationFactory(shop=shop, last_message_at=timezone.now())
    MessageFactory(conversation=conversation)
    login_verified(client, agent)
    inbox_cursor = client.get("/api/v1/conversations/?page_size=1").json()["next_cursor"]
    assert inbox_cursor
    url = f"{DETAIL.format(conversation.pk)}messages/"
    for cursor in (inbox_cursor, "garbage"):
        response = client.get(f"{url}?before={cursor}")
        assert response.status_code == 400
        assert response.json()["before"] == ["Invalid cursor."]


def test_the_thread_index_serves_a_deep_page_without_sorting(shop):
    conversation = ConversationFactory(shop=shop)
    for _ in range(3):
        MessageFactory(conversation=conversation)
    _page, cursor = message_page_for_conversation(conversation=conversation, cursor=None, size=1)
    assert cursor
    with CaptureQueriesContext(connection) as queries:
        message_page_for_conversation(conversation=conversation, cursor=cursor, size=1)
    [query] = queries.captured_queries
    with connection.cursor() as db:
        db.execute("SET LOCAL enable_seqscan = off")  # a tiny table would be read whole
        db.execute(f"EXPLAIN {query['sql']}")
        plan = "\n".join(row[0] for row in db.fetchall())
    assert "msg_conv_thread" in plan
    assert "Sort" not in plan  # the index's order is the thread's
