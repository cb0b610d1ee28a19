"""Sessions: Django's cached_db (Redis in front of the table), degrading to the table alone while
Redis is unreachable, so agents can still sign in and work during a Redis outage.

Django guards some of cached_db's cache calls but not all (the refill in load(), exists() on a
new key, delete() on logout), and one unguarded call fails the whole request. Here every cache
call is guarded; the database stays the truth.

A session deleted (logout) while Redis is unreachable stays in a Redis that kept its data
until it expires (SESSION_COOKIE_AGE); the error log names it.
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

    def delete(self, key) -> None:
        try:
            self._cache.delete(key)
        except RedisError as exc:
            logger.error("sessions: could not drop %s from the cache (%s)", key, exc)

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
            logger.error("sessions: could not drop %s from the cache (%s)", key, exc)

    def __str__(self) -> str:
        return str(self._cache)


class SessionStore(cached_db.SessionStore):
    def __init__(self, session_key=None) -> None:
        super().__init__(session_key)
        self._cache = _FailSoftCache(self._cache)
