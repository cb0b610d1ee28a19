"""From a buyer's push to the team's IM group: a chat left unanswered warns at 120 s and breaches
at 180 s, mentioning the lead; a human reply at 100 s raises nothing; an auto-reply does not
count as an answer. The marketplace and the robots are the project's simulators on loopback."""

from datetime import timedelta

import pytest

from alerts.models import Alert, GroupAlertPolicy, ImContact
from alerts.services.delivery import robot_deliver
from alerts.services.timers import first_response_scan
from chat.models import Conversation, Message
from chat.services.pipeline.outbox import message_send_reply, outbound_delivery_send
from integrations.robots import RobotKind
from integrations.shopee.simulator import buyer_message
from tests.alerts.conftest import robot_for
from tests.chat.conftest import SHOP_ID, connect, signed_post, take_pushes
from tests.factories import AgentGroupFactory, UserFactory

pytestmark = pytest.mark.django_db

WARNING, BREACH = Alert.Kind.FIRST_RESPONSE_WARNING, Alert.Kind.FIRST_RESPONSE_BREACH


@pytest.fixture
def desk(simulator, robot_sim):
    shop = connect(simulator.sim)
    agent = UserFactory(username="mei")
    lead = UserFactory(username="boss")
    group = AgentGroupFactory(name="MY desk", shops=[shop], members=[agent, lead])
    GroupAlertPolicy.objects.create(group=group, lead=lead)
    ImContact.objects.create(user=lead, wecom_user_id="bosswx", mobile="13800000002")
    robot = robot_for(robot_sim, group, RobotKind.WECOM, "desk-wecom")
    return shop, agent, robot


def buyer_writes(client, settings, simulator, commit, text="Where is my parcel?"):
    buyer_message(simulator.sim, shop_id=SHOP_ID, text=text)
    [body] = take_pushes(simulator.sim)
    with commit(execute=True):  # the push is processed once its record commits
        assert signed_post(client, settings, body).status_code == 200
    conversation = Conversation.objects.get()
    assert conversation.awaiting_reply_since is not None
    return conversation


def robot_texts(robot_sim) -> list[str]:
    return [m["text"] for m in robot_sim.sim.messages()]


def test_an_unanswered_chat_warns_at_120_s_then_escalates_at_180_s(
    client,
    settings,
    simulator,
    robot_sim,
    desk,
    django_capture_on_commit_callbacks,
):
    _shop, _agent, robot = desk
    conversation = buyer_writes(client, settings, simulator, django_capture_on_commit_callbacks)
    since = conversation.awaiting_reply_since

    assert first_response_scan(now=since + timedelta(seconds=119)) == []
    [warning] = first_response_scan(now=since + timedelta(seconds=120))
    assert warning.kind == WARNING
    robot_deliver(robot_id=robot.pk)
    [first] = robot_sim.sim.messages()
    assert "waiting" in first["text"] and f"/console/#c{conversation.pk}" in first["text"]
    assert first["mentions"] == []  # nobody holds it: the whole group reads it

    [breach] = first_response_scan(now=since + timedelta(seconds=180))
    assert breach.kind == BREACH
    robot_deliver(robot_id=robot.pk, now=since + timedelta(seconds=200))
    second = robot_sim.sim.messages()[1]
    assert "missed" in second["text"] and "@bosswx" in second["mentions"]


def test_a_reply_at_100_s_raises_nothing(
    client, settings, simulator, robot_sim, desk, django_capture_on_commit_callbacks
):
    _shop, agent, _robot = desk
    conversation = buyer_writes(client, settings, simulator, django_capture_on_commit_callbacks)
    since = conversation.awaiting_reply_since
    message, _ = message_send_reply(conversation=conversation, user=agent, text="On its way!")
    outbound_delivery_send(delivery_id=message.delivery.pk)
    conversation.refresh_from_db()
    assert conversation.awaiting_reply_since is None
    assert first_response_scan(now=since + timedelta(minutes=10)) == []
    assert robot_sim.sim.messages() == []


def test_an_auto_reply_does_not_stop_the_timer(
    client, settings, simulator, robot_sim, desk, django_capture_on_commit_callbacks
):
    conversation = buyer_writes(client, settings, simulator, django_capture_on_commit_callbacks)
    since = conversation.awaiting_reply_since
    message, _ = message_send_reply(
        conversation=conversation,
        user=None,
        text="Thanks for your message, an agent will answer soon.",
        sender_kind=Message.SenderKind.AUTO,
    )
    outbound_delivery_send(delivery_id=message.delivery.pk)
    assert Message.objects.get(pk=message.pk).status == Message.Status.SENT
    conversation.refresh_from_db()
    assert conversation.awaiting_reply_since == since
    assert [a.kind for a in first_response_scan(now=since + timedelta(seconds=121))] == [WARNING]
