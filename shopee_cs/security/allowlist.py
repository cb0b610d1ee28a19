"""IP allowlist decisions. Entries live in IPAllowlistEntry (edited in the admin) and are cached
in Redis as one list; receivers drop the cache on every change (see shopee_cs.receivers).

- Global, role and user entries *widen*: a person may connect from any entry that applies to
  them (global + their roles + their own).
- API-key entries *narrow*: a key with entries works only from them, and still only from where
  its owner may connect.
- Before authentication (login page) an IP passes when any entry at all matches it.
- No global, role or user entries: refused when IP_ALLOWLIST_ENFORCED (production); otherwise
  loopback and private ranges pass (development and tests).
- An unknown client IP (see shopee_cs.security.ip) never passes.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError

from shopee_cs.models import IPAllowlistEntry
from shopee_cs.security.ip import IPNetwork, ip_in, parse_ip, parse_networks

logger = logging.getLogger(__name__)

CACHE_KEY = "security:allowlist:v1"
CACHE_SECONDS = 300
DEV_DEFAULT = parse_networks(
    ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"]
)


@dataclass(frozen=True)
class Entry:
    network: IPNetwork
    scope: str
    target_id: int | None


def _load() -> list[Entry]:
    entries = []
    for cidr, scope, role_id, user_id, key_id in IPAllowlistEntry.objects.values_list(
        "cidr", "scope", "role_id", "user_id", "api_key_id"
    ):
        try:
            (network,) = parse_networks([cidr])
        except ValueError:
            continue  # the admin validates; a bad row must not open or break anything
        entries.append(Entry(network, scope, role_id or user_id or key_id))
    return entries


def allowlist_entries() -> list[Entry]:
    """The cached list; with Redis unreachable, the table itself, so agents keep working and
    the allowlist stays enforced during a Redis outage."""
    try:
        entries = cache.get(CACHE_KEY)
        if entries is None:
            entries = _load()
            cache.set(CACHE_KEY, entries, CACHE_SECONDS)
    except RedisError as exc:
        logger.warning("allowlist: cache unavailable (%s); reading the table", exc)
        return _load()
    return entries


def allowlist_cache_clear() -> None:
    cache.delete(CACHE_KEY)


def _empty_default(address) -> bool:
    return not settings.IP_ALLOWLIST_ENFORCED and ip_in(address, DEV_DEFAULT)


def _people(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if e.scope != IPAllowlistEntry.Scope.API_KEY]


def ip_allowed_anonymous(ip: str | None) -> bool:
    """Pre-authentication gate: could this IP belong to anyone allowed at all?"""
    address = parse_ip(ip)
    if address is None:
        return False
    entries = allowlist_entries()
    if ip_in(address, [e.network for e in entries]):
        return True
    return not _people(entries) and _empty_default(address)


def _role_ids(user) -> set[int]:
    cached = getattr(user, "_allowlist_role_ids", None)
    if cached is None:
        cached = set(user.groups.values_list("id", flat=True))
        user._allowlist_role_ids = cached
    return cached


def ip_allowed_for_user(ip: str | None, *, user) -> bool:
    address = parse_ip(ip)
    if address is None:
        return False
    entries = _people(allowlist_entries())
    if not entries:  # API-key entries only narrow keys; they do not switch off the default
        return _empty_default(address)
    applicable = [e.network for e in entries if e.scope == IPAllowlistEntry.Scope.GLOBAL]
    applicable += [
        e.network
        for e in entries
        if e.scope == IPAllowlistEntry.Scope.USER and e.target_id == user.pk
    ]
    if any(e.scope == IPAllowlistEntry.Scope.ROLE for e in entries):
        roles = _role_ids(user)
        applicable += [
            e.network
            for e in entries
            if e.scope == IPAllowlistEntry.Scope.ROLE and e.target_id in roles
        ]
    return ip_in(address, applicable)


def ip_allowed_for_api_key(ip: str | None, *, api_key) -> bool:
    if not ip_allowed_for_user(ip, user=api_key.user):
        return False
    bound = [
        e.network
        for e in allowlist_entries()
        if e.scope == IPAllowlistEntry.Scope.API_KEY and e.target_id == api_key.pk
    ]
    return not bound or ip_in(parse_ip(ip), bound)
