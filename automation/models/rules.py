"""Auto-reply rules: conditions on a buyer's message, actions when the first one matches, and
the audit of what each firing did (also the cooldown's source and the replay guard)."""

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from automation.models.templates import ReplyTemplate
from chat.models import AgentGroup, Conversation, Message
from integrations.models import Shop
from tickets.models import TicketType


class AutoReplyRule(models.Model):
    """First match by priority wins (lower first, ties by id): one rule fires per message."""

    class BusinessHours(models.TextChoices):
        ANY = "any", _("Any time")
        OPEN = "open", _("During business hours")
        CLOSED = "closed", _("Outside business hours")

    class HasOrder(models.TextChoices):
        ANY = "any", _("Any buyer")
        YES = "yes", _("Buyer has an order in this shop")
        NO = "no", _("Buyer has no order in this shop")

    name = models.CharField(_("name"), max_length=100)
    shop = models.ForeignKey(
        Shop,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("shop"),
        help_text=_("Leave empty to apply the rule to every shop."),
    )
    site = models.CharField(
        _("site"),
        max_length=8,
        blank=True,
        help_text=_("A marketplace site code such as MY or TH; empty for every site."),
    )
    priority = models.PositiveIntegerField(
        _("priority"),
        default=100,
        help_text=_(
            "Lower runs first. Only the first matching rule fires; ties go to the older rule."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # -- conditions (all must hold; an empty list or "any" holds always) --
    intents = ArrayField(
        models.CharField(max_length=24),
        blank=True,
        default=list,
        verbose_name=_("intents"),
        help_text=_("Intent codes such as tracking, return_refund; empty for any intent."),
    )
    keywords = ArrayField(
        models.CharField(max_length=100),
        blank=True,
        default=list,
        verbose_name=_("keywords"),
        help_text=_("Any of these words in the message (case-insensitive); empty for any text."),
    )
    languages = ArrayField(
        models.CharField(max_length=8),
        blank=True,
        default=list,
        verbose_name=_("languages"),
        help_text=_("ISO 639-1 codes such as th, vi, ms; empty for any language."),
    )
    business_hours = models.CharField(
        _("business hours"),
        max_length=8,
        choices=BusinessHours.choices,
        default=BusinessHours.ANY,
        help_text=_("From the shop's business calendar; a shop without one is always open."),
    )
    first_message_only = models.BooleanField(
        _("first message only"),
        default=False,
        help_text=_("Only the buyer's first message in the conversation."),
    )
    has_order = models.CharField(
        _("buyer has an order"), max_length=8, choices=HasOrder.choices, default=HasOrder.ANY
    )
    # -- actions --
    template = models.ForeignKey(
        ReplyTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reply template"),
        help_text=_("Sent as a marked auto-reply in the buyer's language."),
    )
    answer_tracking = models.BooleanField(
        _("answer with tracking"),
        default=False,
        help_text=_(
            "Answer with the buyer's latest order's tracking number, carrier and latest event "
            "(the tracking template), or its ship-by date when it has no tracking number yet "
            "(the not-yet-shipped template)."
        ),
    )
    not_shipped_template = models.ForeignKey(
        ReplyTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("not-yet-shipped template"),
        help_text=_("With tracking answers: sent when the order has no tracking number yet."),
    )
    add_tags = ArrayField(
        models.CharField(max_length=32),
        blank=True,
        default=list,
        verbose_name=_("add tags"),
    )
    assign_group = models.ForeignKey(
        AgentGroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assign to group"),
    )
    ticket_type = models.ForeignKey(
        TicketType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("create a ticket of type"),
    )
    hand_to_human = models.BooleanField(
        _("hand to a human"),
        default=False,
        help_text=_("Route the conversation to an agent even when an auto-reply was sent."),
    )
    cooldown_seconds = models.PositiveIntegerField(
        _("cooldown (seconds)"),
        default=3600,
        help_text=_("The rule fires at most once in this time per conversation."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = _("auto-reply rule")
        verbose_name_plural = _("auto-reply rules")
        indexes = [
            models.Index(fields=["is_active", "priority", "id"], name="autoreply_rule_order")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        """Closed values, with errors that say what is allowed (the admin's form shows them)."""
        from automation.services.classification import INTENTS

        errors = {}
        unknown = [i for i in self.intents if i not in INTENTS]
        if unknown:
            errors["intents"] = _("Unknown intents %(unknown)s; use %(known)s.") % {
                "unknown": ", ".join(unknown),
                "known": ", ".join(INTENTS),
            }
        bad = [code for code in self.languages if not (len(code) == 2 and code.isalpha())]
        if bad:
            errors["languages"] = _("Use two-letter ISO 639-1 codes (th, vi, ms...), not %s.") % (
                ", ".join(bad)
            )
        self.languages = [code.lower() for code in self.languages]
        self.site = self.site.strip().upper()
        self.keywords = [k.strip() for k in self.keywords if k.strip()]
        if self.answer_tracking and not (self.template_id and self.not_shipped_template_id):
            errors["answer_tracking"] = _(
                "A tracking answer needs both templates: the tracking one and the "
                "not-yet-shipped one."
            )
        if errors:
            raise ValidationError(errors)


class AutoReplyRun(models.Model):
    """One rule firing on one buyer message. Unique per (message, rule): a replayed push finds
    the row and sends nothing."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Claimed")
        SENT = "sent", _("Auto-reply queued")
        REFUSED = "refused", _("Refused by the send rules")
        FAILED = "failed", _("Refused by the marketplace")
        COOLDOWN = "cooldown", _("Skipped: cooldown")
        NO_TEMPLATE = "no_template", _("No template text for this conversation")
        ACTIONS_ONLY = "actions", _("Actions only (no reply)")

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(AutoReplyRule, on_delete=models.CASCADE, related_name="runs")
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    code = models.CharField(_("code"), max_length=64, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    reply = models.ForeignKey(
        Message,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auto-reply"),
    )
    ticket_id = models.BigIntegerField(_("ticket"), null=True, blank=True)
    handed_to_human = models.BooleanField(_("handed to a human"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("auto-reply run")
        verbose_name_plural = _("auto-reply runs")
        constraints = [
            models.UniqueConstraint(fields=["message", "rule"], name="autoreply_run_once")
        ]
        indexes = [
            # The cooldown: the rule's latest firing in the conversation.
            models.Index(fields=["conversation", "rule", "-created_at"], name="autoreply_cooldown"),
            # The reply's failure at the marketplace finds its run.
            models.Index(
                fields=["reply"], condition=models.Q(reply__isnull=False), name="autoreply_reply"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} → {self.get_outcome_display()}"


class ShopAutomation(models.Model):
    """A shop's automation choices."""

    shop = models.OneToOneField(
        Shop, on_delete=models.CASCADE, related_name="automation", verbose_name=_("shop")
    )
    proactive_tracking_updates = models.BooleanField(
        _("proactive tracking updates"),
        default=False,
        help_text=_(
            "Send the tracking template to the buyer when a parcel's tracking status changes. "
            "Off by default: the marketplace forbids unsolicited order updates, so turn it on "
            "only where the marketplace allows it for this shop."
        ),
    )

    tracking_template = models.ForeignKey(
        ReplyTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tracking update template"),
        help_text=_("Sent once per tracking status when proactive updates are on."),
    )

    class Meta:
        verbose_name = _("shop automation")
        verbose_name_plural = _("shop automation")

    def __str__(self) -> str:
        return str(self.shop)


class TrackingUpdate(models.Model):
    """A proactive tracking message, once per (shop, order, tracking status): a repeated push
    finds the row and sends nothing."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    order_ref = models.CharField(_("order"), max_length=64)
    tracking_status_code = models.CharField(_("tracking status"), max_length=32)
    reply = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("proactive tracking update")
        verbose_name_plural = _("proactive tracking updates")
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "order_ref", "tracking_status_code"], name="tracking_update_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_ref}: {self.tracking_status_code}"
