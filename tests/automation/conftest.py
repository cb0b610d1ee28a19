"""Automation fixtures: the simulator on loopback, a connected MY shop, buyers who write."""

import pytest

from automation.models import AutoReplyRule, ReplyTemplate, TemplateVariant
from automation.services import auto_reply
from automation.services.classification import Classification
from chat.models import Conversation, Message
from chat.services.messages import message_ingest
from chat.services.pipeline.outbox import outbound_delivery_send
from integrations.shopee.mapping import message_from_shopee
from integrations.shopee.simulator import SimConfig, SimShop, buyer_message, start_simulator
from tests.chat.conftest import SHOP_ID, TW_SHOP_ID, connect, take_pushes
from tests.tickets.conftest import _seeded_ticket_types  # noqa: F401  (autouse: return type)

TH_SHOP_ID = "100000000000000666"
VN_SHOP_ID = "100000000000000555"
__all__ = ["SHOP_ID", "TH_SHOP_ID", "TW_SHOP_ID", "VN_SHOP_ID"]


@pytest.fixture
def simulator(settings):
    config = SimConfig(
        partner_id=int(settings.SHOPEE_PARTNER_ID),
        partner_key=settings.SHOPEE_PARTNER_KEY,
        shops=[
            SimShop(SHOP_ID, "MY", "Chat Shop MY"),
            SimShop(TW_SHOP_ID, "TW", "Chat Shop TW"),
            SimShop(TH_SHOP_ID, "TH", "Auto Shop TH"),
            SimShop(VN_SHOP_ID, "VN", "Auto Shop VN"),
        ],
        seed=7,
    )
    with start_simulator(config) as handle:
        settings.SHOPEE_HOST = handle.base_url
        yield handle


@pytest.fixture
def shop(db, simulator):
    return connect(simulator.sim)


@pytest.fixture
def pump(simulator, django_capture_on_commit_callbacks):
    """Deliver the simulator's pending pushes to the webhook path and run everything they set
    off (eager tasks, after-commit signals), as the worker would, until nothing is left."""
    from chat.services.pipeline.inbound import inbound_event_record

    def run() -> int:
        count = 0
        for _ in range(10):
            bodies = take_pushes(simulator.sim)
            if not bodies:
                break
            with django_capture_on_commit_callbacks(execute=True):
                for body in bodies:
                    inbound_event_record(platform="shopee", raw_body=body)
            count += len(bodies)
        return count

    return run


@pytest.fixture
def say(simulator):
    """A buyer writes in the simulator; the message is stored as the push would store it."""

    fresh = iter(range(700_000_001, 800_000_000))

    def write(shop, text, *, buyer_id=None, lang="ms") -> Message:
        buyer_id = buyer_id if buyer_id is not None else next(fresh)  # a new buyer unless told
        sim_message = buyer_message(
            simulator.sim, shop_id=shop.platform_shop_id, buyer_id=buyer_id, text=text, lang=lang
        )
        with simulator.sim.lock:
            public = simulator.sim.public_message(sim_message)
            name = simulator.sim.buyers[buyer_id]["username"]
        row, _ = message_ingest(  # with the buyer's name, as a push carries it
            shop=shop,
            message=message_from_shopee(public, shop_id=shop.platform_shop_id),
            buyer_name=name,
        )
        return row

    return write


@pytest.fixture
def classified(monkeypatch):
    """Fix the classification, so the rule engine's tests do not depend on the classifier's
    model (its own tests measure it); the message still records what was decided."""
    state = {"value": Classification("ms", "greeting_thanks", 0.95)}

    def fake(message):
        result = state["value"]
        Message.objects.filter(pk=message.pk).update(
            language=result.language, intent=result.intent, intent_confidence=result.confidence
        )
        return result

    monkeypatch.setattr(auto_reply, "message_classify", fake)

    def set_(language, intent, confidence=0.95):
        state["value"] = Classification(language, intent, confidence)

    return set_


def template(title, **variants) -> ReplyTemplate:
    tpl = ReplyTemplate.objects.create(title=title, default_language="en")
    for language, text in variants.items():
        TemplateVariant.objects.create(template=tpl, language=language.replace("_", "-"), text=text)
    return tpl


def rule(name="rule", **fields) -> AutoReplyRule:
    return AutoReplyRule.objects.create(name=name, **fields)


def auto_replies(conversation: Conversation):
    return list(
        Message.objects.filter(
            conversation=conversation, sender_kind=Message.SenderKind.AUTO
        ).order_by("id")
    )


def deliver(message: Message) -> Message:
    outbound_delivery_send(delivery_id=message.delivery.pk)
    message.refresh_from_db()
    return message


@pytest.fixture(scope="session")
def classifier_model_dir(tmp_path_factory):
    """One model directory for the test session: the repo's .data stays untouched, and the model
    is trained once (in-process, on first use) rather than in every test."""
    return tmp_path_factory.mktemp("classifier")


@pytest.fixture(autouse=True)
def _classifier_model_dir(settings, classifier_model_dir):
    settings.AUTOMATION_MODEL_DIR = classifier_model_dir
