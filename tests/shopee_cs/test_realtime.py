"""The real-time publisher: events keep their order, one transaction's events for a group travel
as one layer message, nothing is sent before the commit or after a rollback, and a Redis outage
never fails the caller."""

import asyncio
import copy

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction

from shopee_cs.realtime import BATCH_TYPE, publish_now, publish_on_commit


def _listen_while(groups: list[str], publish, counts: list[int]) -> list[list[dict]]:
    """Join `groups` in one event loop (a channel layer subscription belongs to its loop, as in
    daphne), run the synchronous `publish` in a thread, then receive `counts` events per group."""

    async def scenario() -> list[list[dict]]:
        layer = get_channel_layer()
        channels = []
        for group in groups:
            channel = await layer.new_channel()
            await layer.group_add(group, channel)
            channels.append(channel)
        await sync_to_async(publish, thread_sensitive=False)()
        return [
            [await asyncio.wait_for(layer.receive(channel), 5) for _ in range(count)]
            for channel, count in zip(channels, counts, strict=True)
        ]

    return async_to_sync(scenario)()


def test_events_published_one_by_one_arrive_in_order():
    def publish() -> None:
        for n in range(30):
            publish_now("realtime.test.order", {"type": "test.event", "n": n})

    [received] = _listen_while(["realtime.test.order"], publish, [30])
    assert [event["n"] for event in received] == list(range(30))


@pytest.mark.django_db(transaction=True)
def test_one_transactions_events_for_a_group_travel_as_one_batch_in_order():
    def publish() -> None:
        with transaction.atomic():
            publish_on_commit("realtime.test.mine", {"type": "test.event", "n": 1})
            publish_on_commit("realtime.test.mine", {"type": "test.event", "n": 2})
            publish_on_commit("realtime.test.other", {"type": "test.event", "n": 3})

    [[batch], [single]] = _listen_while(
        ["realtime.test.mine", "realtime.test.other"], publish, [1, 1]
    )
    assert batch["type"] == BATCH_TYPE
    assert [event["n"] for event in batch["events"]] == [1, 2]
    assert single == {"type": "test.event", "n": 3}


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_publishes_nothing():
    def publish() -> None:
        with pytest.raises(RuntimeError), transaction.atomic():
            publish_on_commit("realtime.test.rollback", {"type": "test.event", "n": 0})
            raise RuntimeError("rolled back")
        publish_now("realtime.test.rollback", {"type": "test.event", "n": 1})

    [[event]] = _listen_while(["realtime.test.rollback"], publish, [1])
    assert event["n"] == 1


def test_with_redis_down_publishing_neither_fails_nor_waits_again_for_a_while(
    settings, caplog, monkeypatch
):
    from redis import Redis

    from shopee_cs.realtime import _Publisher

    layers = copy.deepcopy(settings.CHANNEL_LAYERS)
    layers["default"]["CONFIG"]["hosts"] = [{"address": "redis://127.0.0.1:1/0"}]
    settings.CHANNEL_LAYERS = layers
    publisher = _Publisher()
    publisher.send([("realtime.test.down", {"type": "test.event", "n": 1})])  # no exception
    assert "could not publish, live events paused" in caplog.text
    attempts = []
    monkeypatch.setattr(Redis, "pipeline", lambda *a, **k: attempts.append(1))
    publisher.send([("realtime.test.down", {"type": "test.event", "n": 2})])
    assert attempts == []  # paused: the next events do not try Redis again


def test_an_event_that_cannot_be_encoded_is_dropped_alone_and_pauses_nothing(caplog):
    """A number of 2^64 or more has no msgpack encoding. Treated like Redis being down, it paused
    live updates for every shop in the process."""
    group = "realtime.test.unencodable"

    def publish() -> None:
        publish_now(group, {"type": "test.event", "n": 1, "huge": 2**64})
        publish_now(group, {"type": "test.event", "n": 2})  # not paused
        publish_now(group, {"type": "test.event", "n": 2**70})  # alone, even in a batch ...
        publish_now(group, {"type": "test.event", "n": 3})

    def publish_batch() -> None:
        # ... of one transaction's events: the others still go out, in order.
        from shopee_cs.realtime import _publisher

        events = [{"type": "test.event", "n": n} for n in (4, 2**70, 5)]
        _publisher.send([(group, event) for event in events])

    [received] = _listen_while([group], lambda: (publish(), publish_batch()), [4])
    assert [event["n"] for event in received] == [2, 3, 4, 5]
    assert "cannot be encoded; dropped" in caplog.text
    assert "live events paused" not in caplog.text
