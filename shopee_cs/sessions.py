"""Sessions: Django's cached_db (Redis in front of the table), degrading to the table alone while
Redis is unreachable, so agents can still sign in and work during a Redis outage.

Django guards some of cached_db's cache calls but not all (the refill in load(), exists() on a
new key, delete() on logout), and one unguarded call fails the whole request. Here every cache
call is guarded; the database stays the truth.

A logout while Redis is unreachable cannot drop the cached copy, which a Redis that kept its
data would serve again once it is back: the logout then ends every session of the user
(shopee_cs.security.services.sessions_end_on_unrecorded_logout).
"""

import logging

from django.contrib.sessions.backends import cached_db
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class _FailSoftCache:
    def __init__(self, cache) -> None:
        self._cache = cache

    def get(self, key, default=None):
        try:
            return self._cache.get(key, default)
        except RedisError as exc:
            logger.warning("sessions: cache unavailable (%s); reading the database", exc)
            return default

    def set(self, key, value, timeout) -> None:
        try:
            self._cache.set(key, value, timeout)
        except RedisError as exc:
            logger.warning("sessions: cache unavailable (%s); stored in the database only", exc)

    def delete(self, key) -> bool:
        try:
            self._cache.delete(key)
        except RedisError as exc:
            # Not the key itself: a session key is a credential.
            logger.error("sessions: could not drop a session from the cache (%s)", exc)
            return False
        return True

    def __contains__(self, key) -> bool:
        try:
            return key in self._cache
        except RedisError:
            return False  # the caller then asks the database

    async def aget(self, key, default=None):
        try:
            return await self._cache.aget(key, default)
        except RedisError as exc:
            logger.warning("sessions: cache unavailable (%s); reading the database", exc)
            return default

    async def aset(self, key, value, timeout) -> None:
        try:
            await self._cache.aset(key, value, timeout)
        except RedisError as exc:
            logger.warning("sessions: cache unavailable (%s); stored in the database only", exc)

    async def adelete(self, key) -> None:
        try:
            await self._cache.adelete(key)
        except RedisError as exc:
            logger.error("sessions: could not drop a session from the cache (%s)", exc)

    def __str__(self) -> str:
        return str(self._cache)


class SessionStore(cached_db.SessionStore):
    def __init__(self, session_key=None) -> None:
        super().__init__(session_key)
        self._cache = _FailSoftCache(self._cache)

    def forget_cached(self) -> bool:
        """Drop this session's cached copy; False when Redis could not be reached."""
        if self.session_key is None:
            return True
        return self._cache.delete(self.cache_key_prefix + self.session_key)
