"""Agent REST API: scoping (404 for other groups), filters, keyset pages, constant queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chat.models import BuyerOrder, BuyerReturn, Conversation, LiveEvent
from integrations.models import Site
from shopee_cs.security.services import api_key_create
from tests.factories import (
    AgentGroupFactory,
    ConversationFactory,
    MessageFactory,
    ShopFactory,
    UserFactory,
    login_verified,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/conversations/"


@pytest.fixture
def team():
    """An agent with two shops (MY, TH) and a colleague; a stranger with a foreign shop."""
    agent, colleague, stranger = UserFactory(), UserFactory(), UserFactory()
    my, th, foreign = ShopFactory(site=Site.MY), ShopFactory(site=Site.TH), ShopFactory()
    AgentGroupFactory(shops=[my, th], members=[agent, colleague])
    AgentGroupFactory(shops=[foreign], members=[stranger])
    return {"agent": agent, "colleague": colleague, "stranger": stranger, "my": my, "th": th,
            "foreign": foreign}  # fmt: skip


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_list_shows_only_the_agents_shops_newest_first(client, team):
    now = timezone.now()
    old = ConversationFactory(shop=team["my"], last_message_at=now - timedelta(minutes=5))
    new = ConversationFactory(shop=team["th"], last_message_at=now)
    ConversationFactory(shop=team["foreign"], last_message_at=now)
    ConversationFactory(shop=team["my"], last_message_at=None)  # nothing to answer yet
    login_verified(client, team["agent"])
    assert _ids(client.get(LIST)) == [new.pk, old.pk]
    row = client.get(LIST).json()["results"][0]
    assert row["shop"] == {"id": team["th"].pk, "name": team["th"].name, "site": "TH",
                           "platform": "shopee"}  # fmt: skip


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("site=TH", ["th_open"]),
        ("status=resolved", ["my_resolved"]),
        ("mine=true", ["my_mine"]),
        ("unassigned=true", ["th_open", "my_resolved", "my_waiting"]),
        ("awaiting_reply=true", ["my_waiting"]),
        ("platform=lazada", []),
    ],
)
def test_list_filters(client, team, query, expected):
    now = timezone.now()
    rows = {
        "th_open": ConversationFactory(shop=team["th"], last_message_at=now),
        "my_resolved": ConversationFactory(
            shop=team["my"], status="resolved", last_message_at=now - timedelta(seconds=1)
        ),
        "my_mine": ConversationFactory(
            shop=team["my"], assignee=team["agent"], last_message_at=now - timedelta(seconds=2)
        ),
        "my_waiting": ConversationFactory(
            shop=team["my"], awaiting_reply_since=now, last_message_at=now - timedelta(seconds=3)
        ),
    }
    login_verified(client, team["agent"])
    assert _ids(client.get(f"{LIST}?{query}")) == [rows[name].pk for name in expected]


def test_list_filter_by_shop_of_another_group_is_empty(client, team):
    ConversationFactory(shop=team["foreign"])
    login_verified(client, team["agent"])
    assert _ids(client.get(f"{LIST}?shop={team['foreign'].pk}")) == []


@pytest.mark.parametrize("query", ["cursor=garbage", "site=XX", "page_size=0", "page_size=101"])
def test_list_rejects_bad_input(client, team, query):
    login_verified(client, team["agent"])
    assert client.get(f"{LIST}?{query}").status_code == 400


def test_keyset_pages_cover_everything_once_even_with_equal_timestamps(client, team):
    same = timezone.now()
    made = [ConversationFactory(shop=team["my"], last_message_at=same) for _ in range(4)]
    made += [
        ConversationFactory(shop=team["th"], last_message_at=same - timedelta(seconds=i))
        for i in range(1, 4)
    ]
    login_verified(client, team["agent"])
    seen, cursor = [], ""
    for _ in range(5):
        body = client.get(f"{LIST}?page_size=3&cursor={cursor}").json()
        seen += [row["id"] for row in body["results"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    expected = sorted(made, key=lambda c: (c.last_message_at, c.pk), reverse=True)
    assert seen == [c.pk for c in expected]


def test_list_query_count_is_constant_whatever_the_page_size(client, team):
    for i in range(40):
        ConversationFactory(
            shop=team["my"] if i % 2 else team["th"],
            assignee=team["colleague"] if i % 3 else None,
        )
    login_verified(client, team["agent"])
    client.get(LIST)  # warm the allowlist cache, which is not per request
    counts = []
    for size in (10, 40):
        with CaptureQueriesContext(connection) as ctx:
            assert len(_ids(client.get(f"{LIST}?page_size={size}"))) == size
        counts.append(len(ctx.captured_queries))
    # user and OTP device (authentication; the session is read from Redis), the user's role and
    # shop ids in one query, then the page itself
    assert counts[0] == counts[1] <= 4


def test_detail_of_another_groups_conversation_is_404(client, team):
    foreign = ConversationFactory(shop=team["foreign"])
    MessageFactory(conversation=foreign)
    login_verified(client, team["agent"])
    for path in ("", "messages/", "orders/"):
        assert client.get(f"{LIST}{foreign.pk}/{path}").status_code == 404
    for path in ("messages/", "read/", "resolve/", "reopen/", "orders/refresh/"):
        assert client.post(f"{LIST}{foreign.pk}/{path}", {"text": "hi"}).status_code == 404
    assert LiveEvent.objects.count() == 0


def test_detail_pages_messages_back_in_time(client, team):
    conversation = ConversationFactory(shop=team["my"])
    messages = [MessageFactory(conversation=conversation, text=f"m{i}") for i in range(5)]
    login_verified(client, team["agent"])
    body = client.get(f"{LIST}{conversation.pk}/?page_size=2").json()
    assert body["conversation"]["id"] == conversation.pk
    assert [m["text"] for m in body["messages"]] == ["m3", "m4"]  # oldest first on the page
    cursor = body["older_cursor"]
    older = client.get(f"{LIST}{conversation.pk}/messages/?page_size=2&before={cursor}")
    assert [m["text"] for m in older.json()["results"]] == ["m1", "m2"]
    assert len(messages) == 5


def test_assign_transfer_and_unassign_publish_updates(client, team):
    conversation = ConversationFactory(shop=team["my"])
    login_verified(client, team["agent"])
    url = f"{LIST}{conversation.pk}/assign/"
    assert (
        client.post(url, {"assignee_id": team["agent"].pk}, content_type="application/json").json()[
            "assignee_id"
        ]
        == team["agent"].pk
    )
    moved = client.post(url, {"assignee_id": team["colleague"].pk}, content_type="application/json")
    assert moved.json()["assignee"]["id"] == team["colleague"].pk
    assert (
        client.post(url, {"assignee_id": None}, content_type="application/json").json()[
            "assignee_id"
        ]
        is None
    )
    events = LiveEvent.objects.filter(type="chat.conversation_updated").order_by("id")
    assert [e.payload["conversation"]["assignee_id"] for e in events] == [
        team["agent"].pk, team["colleague"].pk, None]  # fmt: skip


def test_assign_to_an_agent_of_another_group_is_refused(client, team):
    conversation = ConversationFactory(shop=team["my"])
    login_verified(client, team["agent"])
    response = client.post(
        f"{LIST}{conversation.pk}/assign/",
        {"assignee_id": team["stranger"].pk},
        content_type="application/json",
    )
    assert response.status_code == 400 and "assignee_id" in response.json()
    conversation.refresh_from_db()
    assert conversation.assignee_id is None and LiveEvent.objects.count() == 0


def test_resolve_then_reopen_and_illegal_transition_is_409(client, team):
    conversation = ConversationFactory(shop=team["my"], awaiting_reply_since=timezone.now())
    login_verified(client, team["agent"])
    resolved = client.post(f"{LIST}{conversation.pk}/resolve/")
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    assert resolved.json()["awaiting_reply_since"] is None
    assert client.post(f"{LIST}{conversation.pk}/resolve/").status_code == 409
    assert client.post(f"{LIST}{conversation.pk}/reopen/").json()["status"] == "open"
    assert LiveEvent.objects.filter(type="chat.conversation_updated").count() == 2


def test_mark_read_without_connection_clears_locally_and_reports_the_platform_error(client, team):
    conversation = ConversationFactory(shop=team["my"], unread_count=3)
    MessageFactory(conversation=conversation)
    login_verified(client, team["agent"])
    body = client.post(f"{LIST}{conversation.pk}/read/").json()
    assert body["conversation"]["unread_count"] == 0
    assert body["platform_synced"] is False and body["platform_error"]
    conversation.refresh_from_db()
    assert conversation.unread_count == 0


def test_orders_panel_lists_this_buyers_orders_with_returns(client, team):
    conversation = ConversationFactory(shop=team["my"], buyer_platform_id="77")
    BuyerOrder.objects.create(
        shop=team["my"], order_ref="A1", buyer_platform_id="77", status="SHIPPED",
        tracking_number="TRK1", carrier="J&T", items=[{"name": "Mug", "quantity": 2}],
    )  # fmt: skip
    BuyerReturn.objects.create(shop=team["my"], return_ref="R1", order_ref="A1", status="REQUESTED")
    BuyerOrder.objects.create(shop=team["my"], order_ref="B2", buyer_platform_id="78")
    BuyerOrder.objects.create(shop=team["th"], order_ref="C3", buyer_platform_id="77")
    login_verified(client, team["agent"])
    orders = client.get(f"{LIST}{conversation.pk}/orders/").json()
    assert [o["order_ref"] for o in orders] == ["A1"]
    assert orders[0]["tracking_number"] == "TRK1" and orders[0]["carrier"] == "J&T"
    assert [r["return_ref"] for r in orders[0]["returns"]] == ["R1"]


def test_api_key_scopes_separate_reading_from_writing(client, team):
    conversation = ConversationFactory(shop=team["my"])
    _, raw = api_key_create(user=team["agent"], name="bot", scopes=["conversations:read"])
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}
    assert _ids(client.get(LIST, **auth)) == [conversation.pk]
    assert client.get(f"{LIST}{conversation.pk}/messages/", **auth).status_code == 200
    sent = client.post(f"{LIST}{conversation.pk}/messages/", {"text": "hi"}, **auth)
    assert sent.status_code == 403
    assert client.post(f"{LIST}{conversation.pk}/resolve/", **auth).status_code == 403
    assert Conversation.objects.get(pk=conversation.pk).status == "open"


def test_unverified_session_gets_403(client, team):
    client.force_login(team["agent"])
    assert client.get(LIST).status_code == 403


def test_the_fast_list_rows_equal_the_documented_serializer(team, django_assert_num_queries):
    from chat.selectors import INBOX_ROW_FIELDS
    from chat.serializers import ConversationOutputSerializer, conversation_rows

    colleague = team["colleague"]
    colleague.first_name, colleague.last_name = "Mei", "Lin"
    colleague.save()
    ConversationFactory(shop=team["my"], assignee=colleague)
    ConversationFactory(shop=team["th"], assignee=None, awaiting_reply_since=timezone.now())
    ConversationFactory(shop=team["th"], assignee=team["agent"], awaiting_reply_since=None)
    values = list(Conversation.objects.values(*INBOX_ROW_FIELDS).order_by("pk"))
    with django_assert_num_queries(0):
        fast = conversation_rows(values)
    models = Conversation.objects.select_related("shop", "assignee").order_by("pk")
    documented = ConversationOutputSerializer(models, many=True).data
    assert fast == [dict(row) for row in documented]
