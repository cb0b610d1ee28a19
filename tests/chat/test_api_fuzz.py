"""Property-based fuzzing of the REST API against its own live schema (Schemathesis), in-process
over WSGI: every operation, with schema-valid and schema-invalid requests from the coverage phase
(boundary values, each way to break the schema) and the fuzzing phase, and all checks.

It fails on a 500, on a status or body the schema does not describe, on valid input refused or
invalid input accepted, on auth not enforced, and (as an agent) on any row of another group's
shops in an answer. Generated ids are often swapped for real ones, the caller's own and the peer
group's, so the objects are really reached. Fuzzing is bounded by FUZZ_EXAMPLES with a fixed
seed (FUZZ_SEED); for a deeper run see docs/api.md.
"""

import json
import os
import random

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, seed, settings
from rest_framework.response import Response
from schemathesis.core.failures import Failure, FailureGroup

from alerts.services.raising import Candidate, alerts_raise
from automation.services.template_store import template_save
from chat.apis import ShopListApi
from chat.models import BuyerOrder
from chat.serializers import ShopOutputSerializer
from chat.services.pipeline.outbox import message_send_reply
from integrations.models import Shop
from shopee_cs.security.roles import ROLE_ADMIN
from shopee_cs.security.scopes import API_SCOPES
from shopee_cs.security.services import api_key_create
from tests.factories import (
    AgentGroupFactory,
    ConversationFactory,
    MessageFactory,
    ShopFactory,
    UserFactory,
)
from tickets.models import TicketType
from tickets.services import ticket_create

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "20261206"))
# Every row of the peer group carries this mark, so a leak shows in any field.
FOREIGN = "PEERONLY"
ID_PARAMS = ("conversation_id", "message_id", "shop_id", "ticket_id", "alert_id")


def _team(mark: str) -> dict:
    """A group's shop with its agents, a conversation, the buyer's message, a reply queued and
    one refused (both through the service, as the API makes them), an order and a reply template."""
    shop = ShopFactory(name=f"{mark} shop")
    agents = [UserFactory(), UserFactory()]
    group = AgentGroupFactory(shops=[shop], members=agents)
    conversation = ConversationFactory(shop=shop, buyer_name=f"{mark} buyer")
    inbound = MessageFactory(conversation=conversation, text=f"{mark} question")
    queued, _ = message_send_reply(conversation=conversation, user=agents[0], text=f"{mark} ok")
    refused, _ = message_send_reply(conversation=conversation, user=agents[0], text=" ")
    BuyerOrder.objects.create(
        shop=shop, order_ref=f"{mark}1", buyer_platform_id=conversation.buyer_platform_id
    )
    template_save(
        title=f"{mark} hi", variants={"en": f"{mark} hello {{{{buyer_name}}}}"}, shop=shop
    )
    ticket_type, _ = TicketType.objects.get_or_create(code="other", defaults={"name": "Other"})
    ticket = ticket_create(
        actor=agents[0],
        ticket_type=ticket_type,
        subject=f"{mark} ticket",
        conversations=[conversation],
    )
    (alert,) = alerts_raise(
        [
            Candidate(
                kind="frt_warning",
                dedup_key=f"fuzz:{mark}",
                group_id=shop.agent_groups.get().pk,
                due_at=timezone.now(),
                title=f"{mark} buyer waiting",
                text=f"{mark} waiting",
                shop_id=shop.pk,
                conversation_id=conversation.pk,
                mention_user_ids=tuple(a.pk for a in agents),
            )
        ]
    )
    return {
        "alert": alert,
        "ticket": ticket,
        "group": group,
        "shop": shop,
        "agents": agents,
        "conversation": conversation,
        "messages": [inbound, queued, refused],
    }


@pytest.fixture(params=["admin", "agent"])
def fuzz_world(request, db, settings):
    """An admin key, or an agent's key with a peer group beside it (the agent may never see its
    rows). Throttles are raised: the run is a few hundred requests from one client."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"},
    }
    own, peer = _team("OWN"), _team(FOREIGN)
    user = UserFactory(roles=[ROLE_ADMIN]) if request.param == "admin" else own["agents"][0]
    _, raw = api_key_create(user=user, name="fuzz", scopes=list(API_SCOPES))
    teams = [own, peer]
    return {
        "role": request.param,
        "auth": {"Authorization": f"Api-Key {raw}"},
        "conversation_id": [t["conversation"].pk for t in teams],
        "message_id": [m.pk for t in teams for m in t["messages"]],
        "shop_id": [t["shop"].pk for t in teams],
        "ticket_id": [t["ticket"].pk for t in teams],
        "alert_id": [t["alert"].pk for t in teams],
        "conversation_ids": [[t["conversation"].pk] for t in teams],
        "assignees": {t["conversation"].pk: [a.pk for a in t["agents"]] for t in teams},
        "groups": {t["conversation"].pk: t["group"].pk for t in teams},
        "peer_shop_ids": {peer["shop"].pk},
    }


def _served_schema() -> dict:
    """The schema /api/schema/ serves (the same generator; test_api_schema keeps them equal).
    Built at collection, so each operation is a test of its own."""
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.fixture(autouse=True)
def _in_this_transaction():
    """The WSGI application runs in this process and this test's transaction: Django's
    per-request connection clean-up stands aside, as in its own test client."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _rows(value):
    """Every JSON object in a body."""
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _rows(child)
    elif isinstance(value, list):
        for child in value:
            yield from _rows(child)


def _body_text(response, content_type: str) -> str:
    """The body as text; a spreadsheet's cells, one per line (its bytes are no text)."""
    if "spreadsheetml" not in content_type:
        return response.text
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(response.content), read_only=True)
    return "\n".join(
        str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
    )


class ForeignRowInResponse(Failure):
    pass


def _no_rows_of_other_groups(world: dict):
    def no_rows_of_other_groups(ctx, response, case):
        """The agent's answers never carry a row of the peer group's shop."""
        if world["role"] != "agent":
            return True
        content_type = response.headers.get("content-type", [""])[0]
        leak = FOREIGN in _body_text(response, content_type)
        if not leak and "json" in content_type:
            leak = any(
                (isinstance(row.get("shop_id"), int) and row["shop_id"] in world["peer_shop_ids"])
                or (row.get("id") in world["peer_shop_ids"] and "platform_shop_id" in row)
                for row in _rows(response.json())
            )
        if leak:
            raise ForeignRowInResponse(
                operation=case.operation.label,
                title="A row of another group's shop in the response",
                message=response.text[:500],
            )
        return True

    return no_rows_of_other_groups


def _real_ids(case, rng, world: dict) -> None:
    """Swap generated ids for real ones, the caller's or the peer group's, most of the time.
    Only schema-valid cases: an invalid one must stay invalid."""
    if not case.meta or not case.meta.generation.mode.is_positive:
        return
    for name in ID_PARAMS:
        if name in (case.path_parameters or {}) and rng.random() < 0.7:
            case.path_parameters[name] = rng.choice(world[name])
    if not isinstance(case.body, dict):
        return
    for name in ("shop_id", "conversation_ids"):  # a ticket opened for a real shop or chat
        if name in case.body and rng.random() < 0.7:
            case.body[name] = rng.choice(world[name])
    if "ticket_type" in case.body and rng.random() < 0.7:
        case.body["ticket_type"] = "other"
    if "assignee_id" in case.body and rng.random() < 0.7:
        # Mostly an agent of the shop (or none), so assignments really happen.
        conversation_id = (case.path_parameters or {}).get("conversation_id")
        agents = world["assignees"].get(conversation_id) or [
            a for team in world["assignees"].values() for a in team
        ]
        case.body["assignee_id"] = rng.choice([None, *agents])
    conversation_id = (case.path_parameters or {}).get("conversation_id")
    if conversation_id in world["groups"]:
        # A transfer target of the conversation's shop (another one is a 400, by design).
        if "agent" in case.body:
            case.body["agent"] = rng.choice(world["assignees"][conversation_id])
        if "group" in case.body:
            case.body["group"] = world["groups"][conversation_id]


schema = schemathesis.openapi.from_dict(json.loads(json.dumps(_served_schema(), default=str)))
schema.app = get_wsgi_application()


@schema.parametrize()
@seed(FUZZ_SEED)
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_api_fuzz(case, fuzz_world):
    _real_ids(case, random.Random(repr((case.path_parameters, case.query, case.body))), fuzz_world)
    _call(case, fuzz_world)


def _call(case, world: dict) -> None:
    case.call_and_validate(
        headers=world["auth"],
        additional_checks=[_no_rows_of_other_groups(world)],
        environ_overrides={"REMOTE_ADDR": "127.0.0.1"},  # a client the allowlist admits
    )


def _broken_shop_list(answer):
    def get(self, request):
        return answer()

    return get


@pytest.mark.parametrize(
    ("answer", "found"),
    [
        (lambda: 1 / 0, "Server error"),
        (lambda: Response({"shops": []}), "Response violates schema"),
        (lambda: Response([{"id": 1}]), "Response violates schema"),
        (lambda: Response(status=418), "Undocumented status code"),
    ],
)
def test_the_run_fails_on_a_server_error_and_an_answer_not_in_the_schema(
    fuzz_world, monkeypatch, answer, found
):
    """The checks the fuzz run relies on, against a shop list broken on purpose."""
    monkeypatch.setattr(ShopListApi, "get", _broken_shop_list(answer))
    case = schema["/api/v1/shops/"]["GET"].Case()
    with pytest.raises(FailureGroup, match=found):
        _call(case, fuzz_world)


@pytest.mark.parametrize("fuzz_world", ["agent"], indirect=True)  # an admin sees every shop
def test_the_run_fails_on_a_row_of_another_groups_shop(fuzz_world, monkeypatch):
    peer_shop = Shop.objects.get(pk=next(iter(fuzz_world["peer_shop_ids"])))
    rows = [ShopOutputSerializer(peer_shop).data]
    monkeypatch.setattr(ShopListApi, "get", _broken_shop_list(lambda: Response(rows)))
    case = schema["/api/v1/shops/"]["GET"].Case()
    with pytest.raises(FailureGroup, match="another group"):
        _call(case, fuzz_world)
