"""kpi_seed_bench: the BM2 seed stores conversations and messages with the state machine's facts."""

import pytest
from django.core.management import CommandError, call_command

from chat.models import Conversation, ConversationFact, Message


@pytest.mark.django_db(transaction=True)
def test_seed_makes_conversations_messages_and_their_facts():
    call_command("kpi_seed_bench", messages=400, days=3, shops=2, no_progress=True)
    assert Conversation.objects.count() == 40
    messages = Message.objects.count()
    assert 80 <= messages <= 600
    kinds = set(ConversationFact.objects.values_list("kind", flat=True))
    assert {ConversationFact.Kind.BUYER_MESSAGE, ConversationFact.Kind.OUTSIDE_REPLY} <= kinds
    # every message has its fact
    assert ConversationFact.objects.exclude(message=None).count() == messages


@pytest.mark.django_db
@pytest.mark.parametrize(
    "options", [{"messages": 10, "conversations": 10}, {"days": 0}, {"shops": 0}]
)
def test_seed_refuses_impossible_sizes_and_writes_nothing(options):
    with pytest.raises(CommandError):
        call_command("kpi_seed_bench", no_progress=True, **options)
    assert not Conversation.objects.exists()
