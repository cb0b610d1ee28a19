"""Gap audit: walk what the marketplace holds for a shop and report what is not stored.

Read-only, on either side. Messages younger than the settle time are not counted: a buyer's
message may still be between its push and its task, and seller-side messages (replies from
the marketplace's seller app, auto-replies) arrive only through reconciliation, once a minute.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from chat.models import Message
from chat.services.pipeline.reconcile import (
    CONVERSATION_PAGE_SIZE,
    MAX_CONVERSATION_PAGES,
    MAX_MESSAGE_PAGES,
    MESSAGE_PAGE_SIZE,
)
from integrations.adapters import get_adapter
from integrations.models import Shop
from integrations.services.tokens import shop_api_call

SETTLE_SECONDS = 120
_LOOKUP_CHUNK = 1000


@dataclass(frozen=True)
class ShopAudit:
    shop: Shop
    conversations: int
    platform_messages: int  # older than the settle time
    stored: int
    too_recent: int
    missing: list[str] = field(default_factory=list)
    complete: bool = True  # False: more conversations than one walk reads
    # Records the adapter could not read (a message, or a conversation and so its messages):
    # not stored, whatever their age; the sync parks them.
    unreadable: int = 0


def _marketplace_walk(adapter, auth, cutoff) -> tuple[list[str], int, int, int, bool]:
    """(settled message ids, conversations, too recent, unreadable, complete)."""
    settled: list[str] = []
    conversations = too_recent = unreadable = 0
    cursor, complete = None, False
    for _ in range(MAX_CONVERSATION_PAGES):
        page = adapter.list_conversations(auth, cursor=cursor, page_size=CONVERSATION_PAGE_SIZE)
        unreadable += len(page.unreadable)
        for conversation in page.items:
            conversations += 1
            message_cursor = None
            for _ in range(MAX_MESSAGE_PAGES):
                messages = adapter.get_messages(
                    auth,
                    conversation_id=conversation.platform_conversation_id,
                    cursor=message_cursor,
                    page_size=MESSAGE_PAGE_SIZE,
                )
                unreadable += len(messages.unreadable)
                for message in messages.items:
                    if message.sent_at > cutoff:
                        too_recent += 1
                    else:
                        settled.append(message.platform_message_id)
                if not messages.has_more:
                    break
                message_cursor = messages.next_cursor
        if not page.has_more:
            complete = True
            break
        cursor = page.next_cursor
    return settled, conversations, too_recent, unreadable, complete


def shop_audit(*, shop: Shop, settle_seconds: int = SETTLE_SECONDS) -> ShopAudit:
    """Compare the shop's conversations and messages at the marketplace with the stored ones
    (the newest MAX_CONVERSATION_PAGES pages of conversations, every message of each)."""
    adapter = get_adapter(shop.platform)
    cutoff = timezone.now() - timedelta(seconds=settle_seconds)
    # A walk refused for the token runs once more after a refresh.
    settled, conversations, too_recent, unreadable, complete = shop_api_call(
        shop=shop, call=lambda auth: _marketplace_walk(adapter, auth, cutoff)
    )
    stored: set[str] = set()
    for start in range(0, len(settled), _LOOKUP_CHUNK):
        chunk = settled[start : start + _LOOKUP_CHUNK]
        stored |= set(
            Message.objects.filter(shop=shop, platform_message_id__in=chunk).values_list(
                "platform_message_id", flat=True
            )
        )
    return ShopAudit(
        shop=shop,
        conversations=conversations,
        platform_messages=len(settled),
        stored=len(stored),
        too_recent=too_recent,
        missing=[i for i in dict.fromkeys(settled) if i not in stored],
        complete=complete,
        unreadable=unreadable,
    )
