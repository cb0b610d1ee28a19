"""The real-time publisher: callers do not wait for Redis, yet events keep their order, and one
transaction's events for a group travel as one layer message."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from shopee_cs.realtime import BATCH_TYPE, publish_now, publish_on_commit, wait_sent


async def _listen(group: str) -> str:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    return channel


async def _receive(channel: str, count: int) -> list[dict]:
    layer = get_channel_layer()
    return [await layer.receive(channel) for _ in range(count)]


def test_events_published_one_by_one_arrive_in_order():
    channel = async_to_sync(_listen)("realtime.test.order")
    for n in range(30):
        publish_now("realtime.test.order", {"type": "test.event", "n": n})
    assert wait_sent(timeout=5)
    received = async_to_sync(_receive)(channel, 30)
    assert [event["n"] for event in received] == list(range(30))


@pytest.mark.django_db(transaction=True)
def test_one_transactions_events_for_a_group_travel_as_one_batch_in_order():
    mine = async_to_sync(_listen)("realtime.test.mine")
    other = async_to_sync(_listen)("realtime.test.other")
    with transaction.atomic():
        publish_on_commit("realtime.test.mine", {"type": "test.event", "n": 1})
        publish_on_commit("realtime.test.mine", {"type": "test.event", "n": 2})
        publish_on_commit("realtime.test.other", {"type": "test.event", "n": 3})
        assert wait_sent(timeout=5)  # nothing is sent before the commit
    assert wait_sent(timeout=5)
    [batch] = async_to_sync(_receive)(mine, 1)
    assert batch["type"] == BATCH_TYPE
    assert [event["n"] for event in batch["events"]] == [1, 2]
    [single] = async_to_sync(_receive)(other, 1)
    assert single == {"type": "test.event", "n": 3}


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_publishes_nothing():
    channel = async_to_sync(_listen)("realtime.test.rollback")
    with pytest.raises(RuntimeError), transaction.atomic():
        publish_on_commit("realtime.test.rollback", {"type": "test.event", "n": 0})
        raise RuntimeError("rolled back")
    publish_now("realtime.test.rollback", {"type": "test.event", "n": 1})
    assert wait_sent(timeout=5)
    [event] = async_to_sync(_receive)(channel, 1)
    assert event["n"] == 1
