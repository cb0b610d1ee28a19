"""The gap audit: what the marketplace holds against what is stored."""

import pytest
from django.core.management import CommandError, call_command

from chat.models import Message
from chat.services.pipeline.audit import shop_audit
from chat.services.pipeline.reconcile import shop_reconcile
from integrations.shopee.simulator import buyer_message
from tests.chat.conftest import SHOP_ID

pytestmark = pytest.mark.django_db


def _write(sim, count: int) -> list[dict]:
    return [buyer_message(sim, shop_id=SHOP_ID, buyer_id=6000 + n % 3) for n in range(count)]


def test_after_reconciliation_nothing_is_missing(simulator, shop, capsys):
    _write(simulator.sim, 7)
    shop_reconcile(shop=shop)
    result = shop_audit(shop=shop, settle_seconds=0)
    assert (result.conversations, result.platform_messages, result.stored) == (3, 7, 7)
    assert result.missing == [] and result.complete
    call_command("chat_audit", "--settle", "0")
    out = capsys.readouterr().out
    assert "7 messages at the marketplace, 7 stored, 0 missing" in out
    assert "No gaps." in out


def test_a_message_not_stored_is_named_and_fails_the_command(simulator, shop, capsys):
    sent = _write(simulator.sim, 5)
    shop_reconcile(shop=shop)
    lost = str(sent[2]["message_id"])
    Message.objects.filter(platform_message_id=lost).delete()
    assert shop_audit(shop=shop, settle_seconds=0).missing == [lost]
    with pytest.raises(CommandError, match="missing"):
        call_command("chat_audit", "--settle", "0")
    assert f"missing: {lost}" in capsys.readouterr().out


def test_messages_younger_than_the_settle_time_are_not_counted(simulator, shop):
    _write(simulator.sim, 4)  # nothing stored yet, but all of it just written
    result = shop_audit(shop=shop, settle_seconds=3600)
    assert (result.platform_messages, result.too_recent, result.missing) == (0, 4, [])


def test_an_unknown_shop_id_is_a_clear_error(shop):
    with pytest.raises(CommandError, match="No connected shop with platform id 42"):
        call_command("chat_audit", "--shop", "42")


def test_parked_events_are_pointed_out(simulator, shop, capsys):
    sent = _write(simulator.sim, 3)
    sent[0]["created_timestamp"] = 10**20  # unreadable: parked by the sync, never stored
    shop_reconcile(shop=shop)
    assert shop_audit(shop=shop, settle_seconds=0).unreadable == 1
    with pytest.raises(CommandError, match="unreadable"):
        call_command("chat_audit", "--settle", "0")
    out = capsys.readouterr().out
    assert "2 messages at the marketplace, 2 stored, 0 missing" in out
    assert "1 record the marketplace sent could not be read" in out
    assert "1 parked inbound event to look at: admin, Inbound events" in out
