"""Which auto-reply rule a buyer's message matches: first match by priority (lower first, ties
by id), every condition of a rule must hold. The facts that cost a query (business hours, the
buyer's orders, first message) are computed only when a candidate rule asks for them."""

from datetime import timedelta
from functools import cached_property

from django.db.models import Q
from django.db.models.functions import Coalesce

from automation.models import AutoReplyRule
from chat.models import BuyerOrder, Conversation, Message
from integrations.business_hours import business_seconds_between, work_calendar_for_shop


class MessageFacts:
    """What the conditions look at, for one stored buyer message and its classification."""

    def __init__(self, *, message: Message, conversation: Conversation, intent: str, language: str):
        self.message = message
        self.conversation = conversation
        self.intent = intent
        self.language = language
        self.text = (message.text or "").casefold()
        self.at = message.platform_created_at or message.created_at

    @cached_property
    def is_open(self) -> bool:
        """The shop is open at the message's time (a shop without a calendar always is)."""
        calendar = work_calendar_for_shop(self.conversation.shop)
        return business_seconds_between(calendar, self.at, self.at + timedelta(seconds=1)) > 0

    @cached_property
    def has_order(self) -> bool:
        conversation = self.conversation
        return (
            BuyerOrder.objects.filter(
                shop_id=conversation.shop_id, buyer_platform_id=conversation.buyer_platform_id
            ).exists()
            or Message.objects.filter(conversation=conversation)
            .filter(Q(kind="order") | Q(payload__has_key="order_ref"))
            .exists()
        )

    @cached_property
    def is_first_message(self) -> bool:
        """No buyer message before this one in the conversation."""
        return not (
            Message.objects.filter(
                conversation=self.conversation, direction=Message.Direction.INBOUND
            )
            .exclude(pk=self.message.pk)
            .alias(at=Coalesce("platform_created_at", "created_at"))
            .filter(at__lte=self.at)
            .exists()
        )


def rule_matches(rule: AutoReplyRule, facts: MessageFacts) -> bool:
    """All of the rule's conditions hold; the cheap ones are tested first."""
    if rule.intents and facts.intent not in rule.intents:
        return False
    if rule.languages and facts.language not in rule.languages:
        return False
    if rule.keywords and not any(k.casefold() in facts.text for k in rule.keywords if k):
        return False
    if rule.business_hours == AutoReplyRule.BusinessHours.OPEN and not facts.is_open:
        return False
    if rule.business_hours == AutoReplyRule.BusinessHours.CLOSED and facts.is_open:
        return False
    if rule.has_order == AutoReplyRule.HasOrder.YES and not facts.has_order:
        return False
    if rule.has_order == AutoReplyRule.HasOrder.NO and facts.has_order:
        return False
    return not (rule.first_message_only and not facts.is_first_message)


def rules_for_shop(shop) -> list[AutoReplyRule]:
    """The active rules that apply to the shop (its own, its site's and the global ones), in
    the order they are tried."""
    return list(
        AutoReplyRule.objects.filter(is_active=True)
        .filter(Q(shop__isnull=True) | Q(shop_id=shop.pk))
        .filter(Q(site="") | Q(site__iexact=shop.site))
        .select_related("template", "not_shipped_template", "assign_group", "ticket_type")
        .order_by("priority", "id")
    )


def rule_first_match(rules, facts: MessageFacts) -> AutoReplyRule | None:
    return next((rule for rule in rules if rule_matches(rule, facts)), None)
