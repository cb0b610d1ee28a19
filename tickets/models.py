"""Tickets: after-sales work that outlives a chat (returns, lost parcels, damaged items...).

Every change goes through tickets.services, which appends a TicketEvent for it: the history is
never edited. The status follows the workflow declared on Ticket (django-fsm-2 transitions); the
resolution SLA's deadline is stored in UTC, computed in the shop's business time.
"""

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from chat.models import AgentGroup, Conversation
from integrations.models import Shop


class TicketType(models.Model):
    """What the ticket is about. The seeded types have stable codes that rules and the return
    sync refer to; supervisors may add more."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=100)

    class Meta:
        verbose_name = _("ticket type")
        verbose_name_plural = _("ticket types")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return str(self.name)


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class SlaPolicy(models.Model):
    """The resolution target of one ticket type at one priority, in business minutes."""

    ticket_type = models.ForeignKey(
        TicketType, on_delete=models.CASCADE, related_name="sla_policies", verbose_name=_("type")
    )
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices)
    resolution_minutes = models.PositiveIntegerField(_("resolution target (business minutes)"))
    due_soon_minutes = models.PositiveIntegerField(
        _("due soon threshold (business minutes before the target)"), default=60
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["ticket_type", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["ticket_type", "priority"], name="sla_policy_unique"),
            models.CheckConstraint(
                condition=models.Q(resolution_minutes__gt=0), name="sla_policy_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_type} / {self.get_priority_display()}: {self.resolution_minutes} min"


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING_BUYER = "pending_buyer", _("Pending buyer")
    PENDING_INTERNAL = "pending_internal", _("Pending internal")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")


# States whose SLA clock runs (pending-buyer pauses it; resolved and closed stop it).
CLOCK_RUNNING = (Status.NEW, Status.OPEN, Status.PENDING_INTERNAL, Status.REOPENED)
ACTIVE = (*CLOCK_RUNNING, Status.PENDING_BUYER)
_WORKING = [Status.NEW, Status.OPEN, Status.PENDING_BUYER, Status.PENDING_INTERNAL]
_WORKING_AGAIN = [*_WORKING, Status.REOPENED]

validate_http_url = URLValidator(schemes=["http", "https"])


class Ticket(models.Model):
    class Source(models.TextChoices):
        API = "api", _("REST API")
        ADMIN = "admin", _("Admin")
        RULE = "rule", _("Rule")
        RETURN_SYNC = "return_sync", _("Return sync")

    shop = models.ForeignKey(
        Shop, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("shop")
    )
    ticket_type = models.ForeignKey(
        TicketType, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("type")
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # Transitions are the methods below: a raw assignment elsewhere would skip the history.
    status = FSMField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    group = models.ForeignKey(
        AgentGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("queue"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("assignee"),
    )
    conversations = models.ManyToManyField(
        Conversation, related_name="tickets", blank=True, verbose_name=_("conversations")
    )
    # Marketplace references are strings end to end (they exceed 2**53).
    order_ref = models.CharField(_("order number"), max_length=64, blank=True)
    return_ref = models.CharField(_("return number"), max_length=64, blank=True)
    buyer_platform_id = models.CharField(_("buyer ID"), max_length=64, blank=True)
    buyer_name = models.CharField(_("buyer"), max_length=200, blank=True)
    source = models.CharField(
        _("source"), max_length=16, choices=Source.choices, default=Source.API
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_tickets",
        verbose_name=_("merged into"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The resolution SLA (tickets.services.sla): null without a policy for the type and priority.
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    due_soon_at = models.DateTimeField(_("due soon from"), null=True, blank=True)
    sla_started_at = models.DateTimeField(_("SLA clock started at"), null=True, blank=True)
    sla_paused_at = models.DateTimeField(_("SLA clock paused at"), null=True, blank=True)
    sla_paused_seconds = models.PositiveIntegerField(_("SLA business seconds paused"), default=0)
    # The marketplace's own deadline (a return's seller response or dispute): due_at and
    # due_soon_at take it when it comes before the resolution target.
    marketplace_due_at = models.DateTimeField(_("marketplace deadline"), null=True, blank=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            # The API's list (keyset on created_at, id) per shop and over all shops.
            models.Index(fields=["shop", "-created_at", "-id"], name="ticket_shop_recent"),
            models.Index(fields=["-created_at", "-id"], name="ticket_recent"),
            # The workbench: queues by due time, and lookups by marketplace references.
            models.Index(fields=["assignee", "due_at"], name="ticket_assignee_due"),
            models.Index(fields=["due_at"], name="ticket_due"),
            models.Index(fields=["shop", "order_ref"], name="ticket_order_ref"),
            models.Index(
                fields=["shop", "return_ref"],
                condition=~models.Q(return_ref=""),
                name="ticket_return_ref",
            ),
        ]
        constraints = [
            # The return sync's one ticket per return (a merged-away duplicate no longer counts).
            models.UniqueConstraint(
                fields=["shop", "return_ref"],
                condition=~models.Q(return_ref="")
                & models.Q(source="return_sync", merged_into__isnull=True),
                name="ticket_one_synced_per_return",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    # -- the workflow: each method is one allowed move; services call them and append history

    @transition(field=status, source=_WORKING_AGAIN, target=Status.OPEN)
    def to_open(self):
        pass

    @transition(field=status, source=_WORKING_AGAIN, target=Status.PENDING_BUYER)
    def to_pending_buyer(self):
        pass

    @transition(field=status, source=_WORKING_AGAIN, target=Status.PENDING_INTERNAL)
    def to_pending_internal(self):
        pass

    @transition(field=status, source=_WORKING_AGAIN, target=Status.RESOLVED)
    def to_resolved(self):
        pass

    @transition(field=status, source=[*_WORKING_AGAIN, Status.RESOLVED], target=Status.CLOSED)
    def to_closed(self):
        pass

    @transition(field=status, source=Status.RESOLVED, target=Status.REOPENED)
    def to_reopened(self):
        pass


class TicketNote(models.Model):
    """An internal note: seen by the team, never sent to the buyer."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField(_("note"), max_length=5000)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("internal note")
        verbose_name_plural = _("internal notes")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:60]


class TicketAttachment(models.Model):
    """A file by reference: a marketplace image URL (http or https); nothing is downloaded."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    url = models.URLField(_("URL"), max_length=1000, validators=[validate_http_url])
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.url


class TicketEvent(models.Model):
    """One entry of a ticket's history: who changed what, when, from what, to what. Rows are
    only ever appended (tickets.services.history)."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        STATUS = "status", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")
        CHANGED = "changed", _("Field changed")
        NOTE = "note", _("Note added")
        ATTACHMENT = "attachment", _("Attachment added")
        LINKED = "linked", _("Conversation linked")
        MERGED_INTO = "merged_into", _("Merged into another ticket")
        MERGED_FROM = "merged_from", _("Another ticket merged in")

    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="events", db_index=False
    )  # ticket_event_ticket leads with it
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    kind = models.CharField(_("what"), max_length=16, choices=Kind.choices)
    field = models.CharField(_("field"), max_length=32, blank=True)
    old_value = models.TextField(_("from"), blank=True)
    new_value = models.TextField(_("to"), blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("history entry")
        verbose_name_plural = _("history")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at", "id"], name="ticket_event_ticket")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.field}: {self.old_value} -> {self.new_value}"
