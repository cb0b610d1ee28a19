from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from integrations.models import Shop
from integrations.types import OrderStatus, ReturnReason, ReturnStatus, TrackingStatus


class AgentGroup(models.Model):
    """A team of agents that owns a set of shops; agents see only their groups' shops."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    shops = models.ManyToManyField(
        Shop, related_name="agent_groups", blank=True, verbose_name=_("shops")
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="agent_groups", blank=True, verbose_name=_("members")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("agent group")
        verbose_name_plural = _("agent groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Conversation(models.Model):
    """One buyer's chat with one shop. Platform ids are strings (they exceed 2**53)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="conversations")
    platform_conversation_id = models.CharField(max_length=64)
    buyer_platform_id = models.CharField(max_length=64)
    buyer_name = models.CharField(max_length=200, blank=True)
    buyer_avatar_url = models.URLField(max_length=500, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_conversations",
    )
    group = models.ForeignKey(AgentGroup, on_delete=models.SET_NULL, null=True, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    last_message_preview = models.CharField(max_length=255, blank=True)
    # Set by the first unanswered buyer message, cleared by any seller reply (the
    # first-response clock); kept as a timestamp so the KPIs can be computed later.
    awaiting_reply_since = models.DateTimeField(null=True, blank=True)
    last_buyer_message_at = models.DateTimeField(null=True, blank=True)
    last_seller_message_at = models.DateTimeField(null=True, blank=True)
    unread_count = models.PositiveIntegerField(default=0)
    # Short labels set by automation's rules (chat.services.inbox.conversations.conversation_tag);
    # a database default, so the raw bulk INSERT leaves it out.
    tags = ArrayField(
        models.CharField(max_length=32), blank=True, default=list, db_default=Value([])
    )
    # Reconciliation cursor: the newest platform message time we have fully fetched.
    synced_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "platform_conversation_id"], name="conversation_unique_per_shop"
            ),
            # The target of message_same_shop_as_conversation (chat/migrations/0010).
            models.UniqueConstraint(fields=["id", "shop"], name="conversation_id_shop"),
        ]
        indexes = [
            models.Index(fields=["shop", "-last_message_at", "-id"], name="conv_shop_recent"),
            models.Index(fields=["-last_message_at", "-id"], name="conv_recent"),
            models.Index(
                fields=["awaiting_reply_since"],
                condition=models.Q(awaiting_reply_since__isnull=False),
                name="conv_awaiting_reply",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.buyer_name or self.buyer_platform_id} @ {self.shop}"


class Message(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "in", _("From buyer")
        OUTBOUND = "out", _("To buyer")

    class SenderKind(models.TextChoices):
        BUYER = "buyer", _("Buyer")
        AGENT = "agent", _("Agent")
        AUTO = "auto", _("Auto-reply")
        SYSTEM = "system", _("System")
        OUTSIDE = "outside", _("Sent outside this system")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        UNKNOWN = "unknown", _("Unknown (checking)")

    # Each message index costs every ingested row (BM3), so none is kept twice: msg_conv_thread
    # leads with the conversation, message_unique_platform_id with the shop.
    # One database constraint covers both keys: message_same_shop_as_conversation, a foreign key
    # on (conversation_id, shop_id) added in chat/migrations/0010. It also holds the shop to the
    # conversation's, and it is one check per inserted row instead of two.
    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        related_name="messages",
        db_index=False,
        db_constraint=False,
    )
    shop = models.ForeignKey(
        Shop, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    # Null (not "") until the platform acknowledges an outbound message: the unique constraint
    # below must skip unsent messages.
    platform_message_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    direction = models.CharField(max_length=3, choices=Direction.choices)
    sender_kind = models.CharField(max_length=8, choices=SenderKind.choices)
    sender_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,  # msg_sender_user: only agents' messages have one
    )
    kind = models.CharField(max_length=16, default="text")
    text = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    platform_created_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RECEIVED)
    failure_code = models.CharField(max_length=64, blank=True)
    failure_reason = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivery_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    # A buyer message's language (ISO 639-1) and intent, set by automation after it is stored;
    # database defaults, so the pull-sync's INSERT leaves them out.
    language = models.CharField(max_length=8, blank=True, default="", db_default="")
    intent = models.CharField(max_length=24, blank=True, default="", db_default="")
    intent_confidence = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [
            # NULLs stay distinct, so unsent messages (no platform id yet) never clash; not
            # partial, so it serves lookups by shop alone too.
            models.UniqueConstraint(
                fields=["shop", "platform_message_id"], name="message_unique_platform_id"
            )
        ]
        indexes = [
            # The thread's order (chat.selectors.THREAD_ORDER): the marketplace's time, ours for
            # a message it has not acknowledged.
            models.Index(
                F("conversation"),
                Coalesce("platform_created_at", "created_at").desc(),
                F("created_at").desc(),
                F("id").desc(),
                name="msg_conv_thread",
            ),
            models.Index(
                fields=["sender_user"],
                condition=models.Q(sender_user__isnull=False),
                name="msg_sender_user",
            ),
        ]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_sender_kind_display()}: {self.text[:40]}"


class ConversationFact(models.Model):
    """One immutable fact of a conversation's history, appended in the transaction of the change
    (chat.services.state owns them). Message facts (`message` set) always equal a replay of the
    stored timeline in marketplace order: a message that arrives late replaces its
    conversation's message facts with the replay's; agent actions (`message` unset) are never
    changed. Times: `occurred_at` is the marketplace's for a message, ours for an action."""

    class Kind(models.TextChoices):
        BUYER_MESSAGE = "buyer_message", _("Buyer message")
        AGENT_REPLY = "agent_reply", _("Agent reply")
        OUTSIDE_REPLY = "outside_reply", _("Reply sent outside this system")
        AUTO_REPLY = "auto_reply", _("Auto-reply")
        ASSIGNED = "assigned", _("Assigned")
        TRANSFERRED = "transferred", _("Transferred")
        UNASSIGNED = "unassigned", _("Unassigned")
        RESOLVED = "resolved", _("Resolved")
        REOPENED = "reopened", _("Reopened")
        RATED = "rated", _("Rated")

    # No database foreign keys: each check would cost every fact the pull-sync writes (BM3), and
    # the rows they point to are only ever deleted with their conversation (the ORM cascades).
    shop = models.ForeignKey(
        Shop, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    conversation = models.ForeignKey(
        Conversation,
        on_delete=models.CASCADE,
        related_name="facts",
        db_index=False,
        db_constraint=False,
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    # The replying agent, the new assignee, the agent who resolved or reopened; for a buyer
    # message or an auto-reply, the conversation's assignee then. Null when unknown.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    from_agent = models.ForeignKey(  # the previous assignee (transferred, unassigned)
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    actor = models.ForeignKey(  # who took the action; null for the buyer and the marketplace
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    group = models.ForeignKey(
        AgentGroup,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    message = models.ForeignKey(
        Message,
        on_delete=models.CASCADE,
        null=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # An action's place in the timeline: after this message (the latest when it was taken).
    after_message_id = models.BigIntegerField(null=True)
    # A reply's: the wait it ended, and whether it was the conversation's first response.
    wait_ms = models.BigIntegerField(null=True)
    first_response = models.BooleanField(default=False)
    # A buyer message's: it started a wait (nothing was waiting before it).
    starts_wait = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["shop", "occurred_at"], name="fact_shop_time"),
            models.Index(
                fields=["agent", "occurred_at"],
                condition=models.Q(agent__isnull=False),
                name="fact_agent_time",
            ),
            models.Index(fields=["conversation", "id"], name="fact_conversation"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of conversation {self.conversation_id} at {self.occurred_at}"


class InboundEvent(models.Model):
    """A marketplace push (or a recovered lost push), stored before anything else happens; also
    a pulled record the adapter could not read, parked with its error."""

    class Source(models.TextChoices):
        WEBHOOK = "webhook", _("Webhook")
        LOST_PUSH = "lost_push", _("Lost-push recovery")
        PULL = "pull", _("Pull-sync")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PROCESSED = "processed", _("Processed")
        PARKED = "parked", _("Parked (needs attention)")

    platform = models.CharField(_("platform"), max_length=16)
    dedup_key = models.CharField(_("deduplication key"), max_length=255)
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.WEBHOOK
    )
    kind = models.CharField(_("kind"), max_length=32, blank=True)
    shop_platform_id = models.CharField(_("platform shop ID"), max_length=64, blank=True)
    payload = models.JSONField(_("content as read"), default=dict, blank=True)
    raw_body = models.TextField(_("body as received"), blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    # Set while a worker asks the marketplace for what the push announced, with no lock held:
    # no one else processes the event until then (the worker's task is killed before it ends).
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbound event")
        verbose_name_plural = _("inbound events")
        constraints = [
            models.UniqueConstraint(fields=["platform", "dedup_key"], name="inbound_event_dedup")
        ]
        indexes = [
            models.Index(
                fields=["received_at"],
                condition=models.Q(status="pending"),
                name="inbound_event_pending",
            ),
            # The admin's list of parked events, among millions of processed ones.
            models.Index(
                fields=["received_at"],
                condition=models.Q(status="parked"),
                name="inbound_event_parked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform} {self.kind} {self.dedup_key}"


class OutboundDelivery(models.Model):
    """The outbox row of one outbound message. The row, not the Celery message, is the truth."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        UNKNOWN = "unknown", _("Outcome unknown")

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="delivery")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # The task message that claimed the row; a redelivery of it means its worker was lost.
    claimed_by = models.CharField(max_length=64, blank=True)
    last_error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    idempotency_key = models.CharField(max_length=128, blank=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["requested_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="outbound_idempotency_key",
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=["pending", "sending", "unknown"]),
                name="outbound_due",
            )
        ]

    def __str__(self) -> str:
        return f"delivery of message {self.message_id}: {self.status}"


# Our own sends whose platform acknowledgement has not been recorded: in flight or unknown.
# Ingestion matches an incoming copy of such a message to it instead of storing it twice.
UNCONFIRMED_OWN_SEND = models.Q(
    direction=Message.Direction.OUTBOUND,
    platform_message_id__isnull=True,
    delivery__status__in=[OutboundDelivery.Status.SENDING, OutboundDelivery.Status.UNKNOWN],
)


class BuyerOrder(models.Model):
    """Cached order data for the console's side panel, refreshed by pushes and on demand."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    order_ref = models.CharField(max_length=64)
    buyer_platform_id = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(max_length=32, blank=True)  # as the marketplace names it
    status_code = models.CharField(max_length=32, default=OrderStatus.UNKNOWN.value)  # neutral
    items = models.JSONField(default=list, blank=True)
    total = models.CharField(max_length=32, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    tracking_number = models.CharField(max_length=64, blank=True)
    carrier = models.CharField(max_length=100, blank=True)
    tracking_status = models.CharField(max_length=64, blank=True)
    tracking_status_code = models.CharField(max_length=32, default=TrackingStatus.UNKNOWN.value)
    ship_by_at = models.DateTimeField(null=True, blank=True)  # the seller's hand-over deadline
    platform_created_at = models.DateTimeField(null=True, blank=True)
    platform_updated_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "order_ref"], name="buyer_order_unique")
        ]

    def __str__(self) -> str:
        return f"{self.order_ref} ({self.status})"


class BuyerReturn(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    return_ref = models.CharField(max_length=64)
    order_ref = models.CharField(max_length=64, db_index=True)
    status = models.CharField(max_length=32, blank=True)  # as the marketplace names it
    status_code = models.CharField(max_length=32, default=ReturnStatus.UNKNOWN.value)  # neutral
    reason = models.CharField(max_length=255, blank=True)
    reason_code = models.CharField(max_length=32, default=ReturnReason.UNKNOWN.value)
    buyer_note = models.TextField(blank=True)  # the buyer's own words
    refund_amount = models.CharField(max_length=32, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    platform_updated_at = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "return_ref"], name="buyer_return_unique")
        ]

    def __str__(self) -> str:
        return f"{self.return_ref} ({self.status})"


class ShopSyncState(models.Model):
    """Per-shop reconciliation cursor and rate-limit backoff."""

    shop = models.OneToOneField(
        Shop, on_delete=models.CASCADE, related_name="sync_state", verbose_name=_("shop")
    )
    conversations_synced_until = models.DateTimeField(
        _("conversations synced until"), null=True, blank=True
    )
    # A walk longer than one run resumes from here: the platform's page cursor, and the newest
    # conversation time seen when the walk began (the next cursor once it completes).
    walk_cursor = models.CharField(_("walk resumes at"), max_length=128, blank=True)
    walk_newest = models.DateTimeField(_("newest conversation of the walk"), null=True, blank=True)
    last_run_at = models.DateTimeField(_("last run at"), null=True, blank=True)
    # The periodic return pull (chat.services.pipeline.orders.returns_pull) asks from here.
    returns_synced_until = models.DateTimeField(_("returns synced until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    backoff_until = models.DateTimeField(_("backing off until"), null=True, blank=True)
    consecutive_rate_limits = models.PositiveIntegerField(_("rate limits in a row"), default=0)
    # A run holds the shop until this time (or until it ends): one sync per shop at a time.
    running_until = models.DateTimeField(_("a run holds it until"), null=True, blank=True)

    class Meta:
        verbose_name = _("shop sync state")
        verbose_name_plural = _("shop sync states")

    def __str__(self) -> str:
        return f"sync state of {self.shop}"


class LiveEvent(models.Model):
    """Every event pushed to agents, written in the transaction that caused it, so a client
    that reconnects replays what it missed from here (Redis pub/sub may drop messages)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=64)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["shop", "id"], name="live_event_shop_id")]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"
