"""Revocation fan-out: open sockets close when a user's access shrinks (see shopee_cs.realtime)."""

import logging

from django.db.models import F

from shopee_cs.models import User
from shopee_cs.realtime import ALLOWLIST_GROUP, publish_on_commit, user_group

logger = logging.getLogger(__name__)


def user_access_revoke(*, user_id: int, reason: str) -> None:
    """Close every open socket of the user (after commit). They may reconnect and are re-checked.

    Called on logout, password change, role or agent-group change and OTP device removal.
    """
    publish_on_commit(user_group(user_id), {"type": "security.access_revoked", "reason": reason})


def allowlist_changed() -> None:
    """Every staff socket re-checks its client IP against the new allowlist."""
    publish_on_commit(ALLOWLIST_GROUP, {"type": "security.allowlist_changed"})


def sessions_end_on_unrecorded_logout(*, user: User, session) -> bool:
    """At logout, before the session is flushed: when Redis cannot drop the session's cached
    copy (an outage), a Redis that kept its data would serve that session again once it is
    back. Every session of the user then ends: the raised generation changes the session hash
    that Django and Channels check. Returns whether it did."""
    forget = getattr(session, "forget_cached", None)
    if forget is None or forget():
        return False
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    logger.warning("user %s logged out while Redis was unreachable: all sessions ended", user.pk)
    return True
