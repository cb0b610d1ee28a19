"""The auto-reply pipeline for one new buyer message: classify, pick the first matching rule,
fetch the template's values from the marketplace (outside any transaction), then in one short
transaction claim the (message, rule) run and act: send a marked auto-reply through chat's
outbox, tag, move to a group, open a ticket. Whatever leaves the buyer unanswered goes to a human
(automation.services.routing) after the commit.

Conduct (docs/automation.md): auto-replies go out as AUTO messages through the marketplace's
auto-reply call, under chat's send rules (identical text within 24 h, five unanswered, refused
sites), which refuse them like any reply; a refusal is recorded on the run and the failed
message, and the buyer goes to a human."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from automation.models import AutoReplyRule, AutoReplyRun, ReplyTemplate, TemplateLanguage
from automation.services.classification import message_classify
from automation.services.routing import conversation_route
from automation.services.rule_match import MessageFacts, rule_first_match, rules_for_shop
from automation.services.template_variables import variables_in
from automation.services.templates import template_context_fetch, template_render
from chat.models import Conversation, Message
from chat.selectors import message_latest_inbound
from chat.services.inbox.conversations import conversation_group_set, conversation_tags_add
from chat.services.pipeline.outbox import message_send_reply
from tickets.models import Ticket
from tickets.services.tickets import TicketInvalid, TicketRefused, ticket_create

logger = logging.getLogger(__name__)

# The languages a template can answer in, as ISO 639-1 (a buyer in any other goes to a human).
SUPPORTED_LANGUAGES = frozenset(code.split("-")[0].lower() for code in TemplateLanguage.values)
Outcome = AutoReplyRun.Outcome


def _fresh_seconds() -> int:
    return settings.AUTO_REPLY_MAX_AGE_SECONDS


def message_is_fresh(message: Message, *, now=None) -> bool:
    """Recent enough to answer (no auto-replies to pulled history): the receiver's cheap test."""
    at = message.platform_created_at or message.created_at
    now = now or timezone.now()
    return at is not None and now - at <= timedelta(seconds=_fresh_seconds())


@dataclass(frozen=True)
class AutomateResult:
    """What happened to one message (for tests, the bench and logs)."""

    run: AutoReplyRun | None
    handed_to_human: bool
    reason: str


def _skip(reason: str) -> AutomateResult:
    return AutomateResult(None, False, reason)


def message_automate(*, message_id: int) -> AutomateResult:
    message = Message.objects.select_related("conversation__shop").filter(pk=message_id).first()
    if message is None or message.direction != Message.Direction.INBOUND:
        return _skip("not a buyer message")
    conversation = message.conversation
    if AutoReplyRun.objects.filter(message_id=message.pk).exists():
        return _skip("already automated")  # a replayed push or a redelivered task
    if not message_is_fresh(message):
        return _skip("old message")
    latest = message_latest_inbound(conversation=conversation)
    if latest is not None and latest.pk != message.pk:
        return _skip("a newer buyer message exists")

    classification = message_classify(message)
    # Detected but not a language any template speaks: a human. Undetected ("", a text too
    # short to tell): the rules still apply and the reply takes the site's language.
    if classification.language and classification.language not in SUPPORTED_LANGUAGES:
        return _to_human(conversation, None, None, f"language {classification.language or '?'}")
    facts = MessageFacts(
        message=message,
        conversation=conversation,
        intent=classification.intent,
        language=classification.language,
    )
    rule = rule_first_match(rules_for_shop(conversation.shop), facts)
    if rule is None:
        return _to_human(conversation, None, None, f"no rule for intent {classification.intent}")

    text, code, reason = "", "", ""
    if rule.template_id or rule.answer_tracking:
        # One query per template for its variants, read here and by the rendering.
        prefetch_related_objects([rule], "template__variants", "not_shipped_template__variants")
        # The marketplace is asked here, before any transaction opens, and only when the
        # templates need an order's or a parcel's values (a greeting needs names only).
        context = (
            template_context_fetch(conversation=conversation)
            if rule.answer_tracking or _needs_order_values(rule)
            else None
        )
        text, code, reason = _reply_text(rule, conversation, classification.language, context)
    return _act(message, conversation, rule, text, code, reason)


NAME_VARIABLES = frozenset({"buyer_name", "shop_name"})


def _needs_order_values(rule: AutoReplyRule) -> bool:
    templates = [t for t in (rule.template, rule.not_shipped_template) if t is not None]
    return any(
        set(variables_in(variant.text)) - NAME_VARIABLES
        for template in templates
        for variant in template.variants.all()
    )


def _reply_text(rule, conversation, language, context) -> tuple[str, str, str]:
    """(text, "", "") or ("", code, reason) when there is nothing to send."""
    template: ReplyTemplate | None = rule.template
    if rule.answer_tracking:
        if not context.get("order_number") and not context.get("order_ref"):
            return "", "no_order", "The buyer has no order in this shop."
        if not context.get("tracking_number"):
            template = rule.not_shipped_template
    if template is None or not template.is_active:
        return "", "no_template", "The rule has no active template for this case."
    try:
        rendered = template_render(
            template=template, conversation=conversation, buyer_language=language, context=context
        )
    except (ValueError, KeyError, StopIteration) as exc:
        return "", "no_template", f"The template could not be rendered: {exc}"
    if not rendered.text.strip():
        return "", "no_template", "The template has no text in any language."
    missing = getattr(rendered, "missing", ())
    if missing:  # e.g. a tracking answer whose tracking could not be read: a human answers
        return "", "missing_values", f"No value known for {', '.join(missing)}."
    return rendered.text, "", ""


def _in_cooldown(rule: AutoReplyRule, conversation: Conversation, now) -> bool:
    if not rule.cooldown_seconds:
        return False
    since = now - timedelta(seconds=rule.cooldown_seconds)
    return (
        AutoReplyRun.objects.filter(conversation=conversation, rule=rule, created_at__gte=since)
        .exclude(outcome=Outcome.COOLDOWN)
        .exists()
    )


def _act(message, conversation, rule, text, code, reason) -> AutomateResult:
    now = timezone.now()
    try:
        with transaction.atomic():
            # Serialises the conversation's automation (the cooldown's check and claim).
            Conversation.objects.select_for_update(of=("self",)).get(pk=conversation.pk)
            cooldown = _in_cooldown(rule, conversation, now)
            run = AutoReplyRun.objects.create(
                message=message,
                conversation=conversation,
                shop_id=conversation.shop_id,
                rule=rule,
                outcome=Outcome.COOLDOWN if cooldown else Outcome.PENDING,
            )
            if not cooldown:
                _run_actions(run, rule, conversation, message, text, code, reason)
    except IntegrityError:
        return _skip("already automated")  # the same message, claimed by another worker
    answered = run.outcome == Outcome.SENT
    if answered and not rule.hand_to_human:
        return AutomateResult(run, False, "")
    why = run.reason or run.get_outcome_display()
    return _to_human(conversation, rule, run, why)


def _run_actions(run, rule, conversation, message, text, code, reason) -> None:
    if text:
        reply, _ = message_send_reply(
            conversation=conversation, user=None, text=text, sender_kind=Message.SenderKind.AUTO
        )
        run.reply = reply
        if reply.status == Message.Status.FAILED:
            run.outcome, run.code, run.reason = (
                Outcome.REFUSED,
                reply.failure_code,
                reply.failure_reason,
            )
        else:
            run.outcome = Outcome.SENT
    elif code:
        run.outcome, run.code, run.reason = Outcome.NO_TEMPLATE, code, reason
    else:
        run.outcome = Outcome.ACTIONS_ONLY
    if rule.add_tags:
        conversation_tags_add(conversation=conversation, tags=rule.add_tags)
    if rule.assign_group_id:
        conversation_group_set(conversation=conversation, group=rule.assign_group)
    if rule.ticket_type_id:
        _ticket_open(run, rule, conversation, message)
    run.save()


def _ticket_open(run, rule, conversation, message) -> None:
    subject = f"{rule.ticket_type.name}: {message.text[:80] or conversation.buyer_name}"
    try:
        with transaction.atomic():
            ticket = ticket_create(
                actor=None,
                ticket_type=rule.ticket_type,
                subject=subject,
                conversations=[conversation],
                description=message.text,
                group=rule.assign_group,
                source=Ticket.Source.RULE,
            )
    except (TicketInvalid, TicketRefused) as exc:
        logger.warning("rule %s: no ticket for conversation %s: %s", rule.pk, conversation.pk, exc)
        run.reason = (run.reason + f" Ticket not created: {exc}").strip()
        return
    run.ticket_id = ticket.pk


def _to_human(conversation, rule, run, reason: str) -> AutomateResult:
    group = rule.assign_group if rule is not None else None
    conversation_route(conversation=conversation, group=group, reason=reason)
    if run is not None:
        AutoReplyRun.objects.filter(pk=run.pk).update(handed_to_human=True)
        run.handed_to_human = True
    return AutomateResult(run, True, reason)


def auto_reply_failed(*, message_id: int) -> AutoReplyRun | None:
    """An auto-reply that the outbox could not deliver (the marketplace refused it, the shop
    lost its connection...): the run says why and the buyer goes to a human."""
    run = (
        AutoReplyRun.objects.select_related("conversation__shop", "reply", "rule__assign_group")
        .filter(reply_id=message_id)
        .first()
    )
    if run is None or run.outcome == Outcome.FAILED:
        return None
    reply = run.reply
    AutoReplyRun.objects.filter(pk=run.pk).update(
        outcome=Outcome.FAILED, code=reply.failure_code, reason=reply.failure_reason
    )
    run.outcome, run.code, run.reason = Outcome.FAILED, reply.failure_code, reply.failure_reason
    _to_human(run.conversation, run.rule, run, reply.failure_reason or reply.failure_code)
    return run
