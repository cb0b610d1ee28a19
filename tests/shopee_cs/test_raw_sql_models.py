"""The hot paths load and write some models with SQL built from the models' metadata
(shopee_cs.db) or written out (chat.services.pipeline.bulk_ingest's INSERT and UPDATE). The
columns come from the models, but a new field still needs a look there: a NOT NULL column
without a database default breaks the bulk INSERT, and each extra column costs every loaded
row (BM1, BM3, BM5).
This list fails on purpose when a field is added or removed: check those statements, then
update it."""

from chat.models import Conversation, InboundEvent, Message, OutboundDelivery
from integrations.models import Shop, ShopToken

LOADED_BY_RAW_SQL = {
    Conversation: [
        "id", "shop", "platform_conversation_id", "buyer_platform_id", "buyer_name",
        "buyer_avatar_url", "status", "assignee", "group", "last_message_at",
        "last_message_preview", "awaiting_reply_since", "last_buyer_message_at",
        "last_seller_message_at", "unread_count", "tags", "synced_until", "created_at",
        "updated_at",
    ],
    Message: [
        "id", "conversation", "shop", "platform_message_id", "direction", "sender_kind",
        "sender_user", "kind", "text", "payload", "platform_created_at", "created_at", "status",
        "failure_code", "failure_reason", "sent_at", "delivery_latency_ms", "language", "intent",
        "intent_confidence",
    ],
    OutboundDelivery: [
        "id", "message", "status", "attempts", "next_attempt_at", "claimed_at", "claimed_by",
        "last_error", "requested_by", "idempotency_key", "request_fingerprint", "created_at",
        "updated_at",
    ],
    InboundEvent: [
        "id", "platform", "dedup_key", "source", "kind", "shop_platform_id", "payload",
        "raw_body", "received_at", "status", "attempts", "error", "processed_at", "claimed_until",
    ],
    Shop: [
        "id", "platform", "platform_shop_id", "site", "name", "status", "status_reason",
        "main_account_id", "merchant_id", "authorization_expires_at", "credentials_encrypted",
        "capabilities",
        "capabilities_checked_at", "first_response_target_seconds", "created_at", "updated_at",
    ],
    ShopToken: [
        "id", "shop", "access_token_encrypted", "refresh_token_encrypted", "access_expires_at",
        "refresh_expires_at", "refreshed_at", "refresh_count", "refreshing_until", "updated_at",
    ],
}  # fmt: skip


def test_the_models_the_raw_statements_load_have_the_reviewed_fields():
    changed = {
        model.__name__: [f.name for f in model._meta.concrete_fields]
        for model, reviewed in LOADED_BY_RAW_SQL.items()
        if [f.name for f in model._meta.concrete_fields] != reviewed
    }
    assert not changed, (
        "A model loaded or written by raw SQL changed: review shopee_cs.db's callers and "
        "chat.services.pipeline.bulk_ingest, then update LOADED_BY_RAW_SQL."
    )
