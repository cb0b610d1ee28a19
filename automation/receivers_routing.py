"""Routing's receivers of chat's signals: they only enqueue (chat.signals says why).

An agent's reply or resolve counts as console activity; a resolve or a transfer away frees the
agent's capacity, so their groups' queues are drained at once instead of at the next scan."""

from celery import current_app


def reply_sent(sender, fact, conversation, **kwargs) -> None:
    if fact.agent_id is not None:
        current_app.tasks["automation.routing_agent_active"].delay(fact.agent_id)


def capacity_freed(sender, fact, conversation, **kwargs) -> None:
    agent_id = fact.actor_id if fact.kind == "resolved" else fact.from_agent_id
    if fact.actor_id is not None:
        current_app.tasks["automation.routing_agent_active"].delay(fact.actor_id)
    if agent_id is not None:
        current_app.tasks["automation.routing_agent_drain"].delay(agent_id)
