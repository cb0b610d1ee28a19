"""Revocation fan-out: open sockets close when a user's access shrinks (see shopee_cs.realtime)."""

from shopee_cs.realtime import ALLOWLIST_GROUP, publish_on_commit, user_group


def user_access_revoke(*, user_id: int, reason: str) -> None:
    """Close every open socket of the user (after commit). They may reconnect and are re-checked.

    Called on logout, password change, role or agent-group change and OTP device removal.
    """
    publish_on_commit(user_group(user_id), {"type": "security.access_revoked", "reason": reason})


def allowlist_changed() -> None:
    """Every staff socket re-checks its client IP against the new allowlist."""
    publish_on_commit(ALLOWLIST_GROUP, {"type": "security.allowlist_changed"})
