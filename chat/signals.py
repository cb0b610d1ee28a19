"""Signals chat sends upward (chat never imports tickets or kpi).

message_received
    Sent once per newly stored buyer message, after the transaction that stored it commits.
    sender: chat.models.Message (the class); kwargs: ``message`` (the Message row) and
    ``conversation`` (its Conversation). Receivers must not do network I/O; they should enqueue.
"""

from django.dispatch import Signal

message_received = Signal()
