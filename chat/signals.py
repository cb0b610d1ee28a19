"""Signals chat sends upward (chat never imports tickets or kpi).

Every one is sent after the transaction that made the change commits (never for a change that
rolled back), from the thread that committed it. Receivers must not do I/O (network, files, or
slow queries): they enqueue (a Celery task, a row) and return, because they run on the
ingestion and reply paths.

message_received
    Sent once per newly stored buyer message. sender: chat.models.Message (the class); kwargs:
    ``message`` (the Message row) and ``conversation`` (its Conversation).

reply_sent
    A human reply took its place in the conversation: our agent's send acknowledged by the
    marketplace (fact kind ``agent_reply``) or a reply typed in the marketplace's seller tools
    (``outside_reply``; agent unknown). sender: chat.models.ConversationFact (the class);
    kwargs: ``fact`` (the ConversationFact: ``wait_ms``, ``first_response``, ``agent_id``,
    ``message_id``) and ``conversation``. Auto-replies are not replies.

conversation_assigned
    Assigned, transferred or unassigned (``fact.kind``; ``fact.agent_id`` the new assignee,
    ``fact.from_agent_id`` the previous one, ``fact.actor_id`` who did it). Same sender and
    kwargs as reply_sent.

conversation_resolved
    An agent resolved the conversation (``fact.actor_id``). Same sender and kwargs.

conversation_reopened
    An agent reopened it (``fact.actor_id``), or the buyer wrote again (``fact.actor_id`` None,
    ``fact.message_id`` the buyer's message). Same sender and kwargs.

return_updated
    A cached marketplace return was stored for the first time, or its status or its due date
    (the seller's response or dispute deadline) changed, by a push or by the periodic pull.
    sender: chat.models.BuyerReturn (the class); kwargs: ``buyer_return`` (the row as stored).

order_updated
    A marketplace push about an order (status or tracking) changed the cached order's tracking
    status. sender: chat.models.BuyerOrder (the class); kwargs: ``order`` (the row as stored)
    and ``previous_tracking_status`` ("" when the order was not cached before).

reply_failed
    A queued outbound message failed at delivery (the send rules' re-check at send time, the
    marketplace's refusal, or the shop lost its connection). sender: chat.models.Message (the
    class); kwargs: ``message`` (its ``sender_kind``, ``failure_code``, ``failure_reason``). A
    send refused when it was queued is not announced: the caller saw it in the returned message.

The pull-sync sends reply_sent and conversation_reopened for the facts of its new messages
after its batch commits; the receiver's ``conversation`` is then loaded with the facts.
"""

from django.dispatch import Signal

message_received = Signal()
reply_sent = Signal()
conversation_assigned = Signal()
conversation_resolved = Signal()
conversation_reopened = Signal()
return_updated = Signal()
reply_failed = Signal()
order_updated = Signal()
