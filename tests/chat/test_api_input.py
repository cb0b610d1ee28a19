"""What the REST API accepts: JSON only, one payload shape per message kind, strict types, and a
clear 400 naming the field for the rest; nothing is stored from a refused request. Unknown URLs
under /api/ answer JSON."""

import json

import pytest

from chat.models import Conversation, Message
from chat.services.messages import message_ingest
from integrations.shopee.mapping import message_from_shopee
from integrations.shopee.simulator import buyer_message
from tests.factories import AgentGroupFactory, UserFactory, login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(client, simulator, shop) -> Conversation:
    """A conversation the signed-in agent may answer (the buyer wrote first)."""
    user = UserFactory()
    AgentGroupFactory(shops=[shop], members=[user])
    login_verified(client, user)
    sim_message = buyer_message(simulator.sim, shop_id=shop.platform_shop_id, text="Hello?")
    with simulator.sim.lock:
        public = simulator.sim.public_message(sim_message)
    message_ingest(shop=shop, message=message_from_shopee(public, shop_id=shop.platform_shop_id))
    return Conversation.objects.get(shop=shop)


def _reply(client, conversation, body, **headers):
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(
        f"/api/v1/conversations/{conversation.pk}/messages/",
        raw,
        content_type="application/json",
        **headers,
    )


def _replies() -> int:
    return Message.objects.filter(direction="out").count()


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("sticker", {"sticker_id": "0007", "sticker_package_id": "br_shoppito"}),
        ("image", {"image_url": "https://cf.shopee.sg/file/abc123"}),
        ("item", {"item_id": "18446744073709551616"}),  # beyond 2^64: a string end to end
        ("order", {"order_ref": "2412060ABCDEF", "context_order_ref": "2412060ABCDEF"}),
    ],
)
def test_each_kind_is_sent_with_its_payload(
    client, simulator, conversation, kind, payload, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _reply(client, conversation, {"kind": kind, "payload": payload})
    assert response.status_code == 201, response.content
    assert response.json()["payload"] == payload
    message = Message.objects.get(pk=response.json()["id"])
    assert (message.kind, message.payload) == (kind, payload)
    assert message.status == "sent"


def test_a_body_without_kind_is_a_text_reply(client, simulator, conversation):
    response = _reply(client, conversation, {"text": "Ships today."})
    assert response.status_code == 201
    assert (response.json()["kind"], response.json()["payload"]) == ("text", {})


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        # PostgreSQL cannot store NUL in jsonb: this was a 500.
        (
            {"kind": "sticker", "payload": {"sticker_id": "a\x00b", "sticker_package_id": "p"}},
            {"payload": {"sticker_id": ["A sticker id: letters, digits, '_', '.', '-'."]}},
        ),
        (
            {"text": "x", "payload": {"context_order_ref": "\x00"}},
            {"payload": {"context_order_ref": ["An order number: letters and digits."]}},
        ),
        # A number of 2^64 or more was stored, and its live event could not be encoded.
        ({"kind": "item", "payload": {"item_id": 2**64}}, {"payload": {"item_id": None}}),
        ({"text": "x", "payload": {"n": 2**64}}, {"payload": {"n": ["Unknown field."]}}),
        # One shape per kind, and nothing else.
        ({"kind": "image", "text": "see"}, {"payload": ["This field is required."]}),
        ({"kind": "image", "payload": {"image_url": "javascript:alert(1)"}}, {"payload": None}),
        ({"kind": "item", "payload": {"item_id": "12a"}}, {"payload": None}),
        ({"kind": "order", "payload": {"item_id": "1"}}, {"payload": None}),
        ({"kind": "video", "payload": {}}, {"kind": None}),
        ({"kind": 5}, {"kind": None}),
        ({"text": 5}, {"text": ["Not a valid string."]}),
        ({"text": "a\x00b"}, {"text": ["Null characters are not allowed."]}),
        ({"text": "hi", "priority": "high"}, {"priority": ["Unknown field."]}),
        ([{"text": "hi"}], {"non_field_errors": ["Expected a JSON object."]}),
    ],
)
def test_a_refused_reply_is_400_naming_the_field_and_stores_nothing(
    client, simulator, conversation, body, errors
):
    response = _reply(client, conversation, body)
    assert response.status_code == 400, response.content
    got = response.json()
    for field, expected in errors.items():
        assert field in got
        if isinstance(expected, dict):
            for sub, message in expected.items():
                assert sub in got[field] and (message is None or got[field][sub] == message)
        elif expected is not None:
            assert got[field] == expected
    assert _replies() == 0


@pytest.mark.parametrize("key", ["", "with space", "k" * 129, "ключ"])
def test_a_malformed_idempotency_key_is_400(client, simulator, conversation, key):
    response = _reply(client, conversation, {"text": "hi"}, HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["detail"]
    assert _replies() == 0


@pytest.mark.parametrize("depth", [2_000, 100_000])
def test_deeply_nested_json_is_400_on_every_body(client, simulator, conversation, depth):
    """Python's json raised RecursionError, which escaped as a 500."""
    nested = "[" * depth + "]" * depth
    for url in (
        f"/api/v1/conversations/{conversation.pk}/messages/",
        f"/api/v1/conversations/{conversation.pk}/assign/",
    ):
        response = client.post(url, nested, content_type="application/json")
        assert response.status_code == 400
        assert "nested too deeply" in response.json()["detail"]
    assert _replies() == 0 and Conversation.objects.get().assignee_id is None


def test_json_is_the_only_body_accepted_415_otherwise(client, simulator, conversation):
    url = f"/api/v1/conversations/{conversation.pk}/messages/"
    multipart = client.post(url, {})  # the test client's default: an empty multipart form
    form = client.post(url, "text=hi", content_type="application/x-www-form-urlencoded")
    for response in (multipart, form):
        assert response.status_code == 415
        assert response["Content-Type"] == "application/json"
        assert "Unsupported media type" in response.json()["detail"]
    assert _replies() == 0


def test_assign_takes_a_json_integer_only(client, simulator, conversation):
    url = f"/api/v1/conversations/{conversation.pk}/assign/"
    for assignee in ("1", 1.0, True, 0):
        response = client.post(url, {"assignee_id": assignee}, content_type="application/json")
        assert response.status_code == 400 and "assignee_id" in response.json()
    extra = client.post(
        url, {"assignee_id": None, "note": "x"}, content_type="application/json"
    ).json()
    assert extra == {"note": ["Unknown field."]}
    assert Conversation.objects.get().assignee_id is None


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("/api/v1/nothing-here/", "Not found."),
        ("/api/v1/conversations/abc/", "Not found."),
        ("/api/v1/conversations/-1/", "Not found."),
        ("/api/v2/", "Not found."),
        ("/api/v1/shops", "Not found; did you mean /api/v1/shops/ ?"),
    ],
)
def test_unknown_urls_under_api_answer_json_not_html(client, db, path, detail):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": detail}
    assert response["X-Request-ID"]


def test_urls_outside_the_api_keep_the_html_404(client, db):
    response = client.get("/nothing-here/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


def test_an_empty_query_value_means_the_parameter_is_not_set(client, simulator, conversation):
    """As DRF reads a query string; the schema allows "" for these so it says the same."""
    plain = client.get("/api/v1/conversations/").json()
    blank = client.get("/api/v1/conversations/?site=&platform=&status=&cursor=").json()
    assert blank == plain and [row["id"] for row in plain["results"]] == [conversation.pk]
    messages = client.get(f"/api/v1/conversations/{conversation.pk}/messages/?before=")
    assert messages.status_code == 200 and len(messages.json()["results"]) == 1


def test_a_server_error_under_api_is_json_with_its_request_id(client, db, monkeypatch):
    from chat.apis import ShopListApi

    def broken(self, request):
        raise RuntimeError("a bug")

    monkeypatch.setattr(ShopListApi, "get", broken)
    login_verified(client, UserFactory())
    client.raise_request_exception = False
    response = client.get("/api/v1/shops/")
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    assert "X-Request-ID" in response.json()["detail"] and response["X-Request-ID"]


@pytest.mark.parametrize("query", ["page_size=", "shop=", "page_size=abc"])
def test_an_empty_or_malformed_integer_query_value_is_refused_naming_it(
    client, conversation, query
):
    answer = client.get(f"/api/v1/conversations/?{query}")
    assert answer.status_code == 400
    assert query.split("=")[0] in answer.json()
    thread = client.get(f"/api/v1/conversations/{conversation.pk}/messages/?page_size=")
    assert thread.status_code == 400 and "page_size" in thread.json()


def test_a_reply_text_with_a_nul_is_refused_and_nothing_is_stored(client, conversation):
    before = _replies()
    answer = _reply(client, conversation, {"text": "hello\u0000there"})
    assert answer.status_code == 400 and "text" in answer.json()
    assert _replies() == before
